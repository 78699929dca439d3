"""AES-256-GCM sealing of secrets at rest. Pure functions: no database, no Django settings.

A sealed value is `fbv1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>`. The associated data binds
it to where it lives (table, column, row), so a ciphertext copied to another row fails to open.
Errors never include the plaintext, the key or the ciphertext.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "fbv1"
NONCE_BYTES = 12


class VaultError(Exception):
    """A secret cannot be sealed or opened. The message is safe to log."""


@dataclass(frozen=True)
class Secret:
    """A revealed secret that will not print itself: repr/str show a mask, `.reveal()` gives the value."""

    _value: str

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('[redacted]')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


def associated_data(table: str, column: str, row: str) -> bytes:
    return f"flightbridge:{table}:{column}:{row}".encode()


def seal(plaintext: str, *, keys: Sequence[tuple[str, bytes]], aad: bytes) -> str:
    key_id, key = keys[0]
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), aad)
    return f"{PREFIX}.{key_id}.{base64.urlsafe_b64encode(nonce + ciphertext).decode().rstrip('=')}"


def key_id_of(sealed: str) -> str:
    parts = sealed.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise VaultError("not a sealed value")
    return parts[1]


def open_sealed(sealed: str, *, keys: Sequence[tuple[str, bytes]], aad: bytes) -> str:
    key_id = key_id_of(sealed)
    key = dict(keys).get(key_id)
    if key is None:
        raise VaultError(f"sealed with key {key_id!r}, which is not in FLIGHTBRIDGE_ENCRYPTION_KEYS")
    encoded = sealed.split(".")[2]
    try:
        blob = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except ValueError as exc:
        raise VaultError("sealed value is corrupt") from exc
    if len(blob) <= NONCE_BYTES:
        raise VaultError("sealed value is corrupt")
    try:
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad).decode("utf-8")
    except InvalidTag:
        raise VaultError("secret does not open here: wrong key, or it was copied from another row or column") from None

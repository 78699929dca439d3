"""The vault's service functions: seal and open with the configured keys (rotation is in `rotation`).

Keys come from FLIGHTBRIDGE_ENCRYPTION_KEYS (the first encrypts, all decrypt). Nothing here may log
or put into an error a plaintext.
"""

from __future__ import annotations

from django.conf import settings

from flightbridge.vault.crypto import Secret, VaultError, associated_data, open_sealed, seal as _seal

__all__ = ["Secret", "VaultError", "seal", "unseal"]


def configured_keys():
    """The configured (key id, key) pairs: the first seals, every one opens."""
    return settings.CONFIG.encryption_keys


def seal(plaintext: str, *, table: str, column: str, row: str) -> str:
    return _seal(plaintext, keys=configured_keys(), aad=associated_data(table, column, row))


def unseal(sealed: str, *, table: str, column: str, row: str) -> str:
    try:
        return open_sealed(sealed, keys=configured_keys(), aad=associated_data(table, column, row))
    except VaultError as exc:
        raise VaultError(f"{table}.{column} row {row}: {exc}") from None

import base64
import dataclasses

import pytest
from django.conf import settings
from django.test import override_settings

from flightbridge.vault import crypto
from flightbridge.vault.services import VaultError, seal, unseal

KEY_A = ("a", b"A" * 32)
KEY_B = ("b", b"B" * 32)


def test_round_trip_and_binding_to_table_column_row():
    sealed = seal("my-access-token", table="t", column="c", row="1")
    assert "my-access-token" not in sealed
    assert sealed.startswith("fbv1.test1.")
    assert unseal(sealed, table="t", column="c", row="1") == "my-access-token"
    for other in ({"table": "u", "column": "c", "row": "1"}, {"table": "t", "column": "d", "row": "1"},
                  {"table": "t", "column": "c", "row": "2"}):
        with pytest.raises(VaultError) as caught:
            unseal(sealed, **other)
        assert "copied from another row" in str(caught.value)
        assert "my-access-token" not in str(caught.value)


def test_each_seal_uses_a_fresh_nonce():
    assert seal("same", table="t", column="c", row="1") != seal("same", table="t", column="c", row="1")


def test_tampered_or_unknown_key_fails_cleanly():
    sealed = crypto.seal("v", keys=[KEY_A], aad=b"x")
    tampered = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(crypto.VaultError):
        crypto.open_sealed(tampered, keys=[KEY_A], aad=b"x")
    with pytest.raises(crypto.VaultError, match="not in FLIGHTBRIDGE_ENCRYPTION_KEYS"):
        crypto.open_sealed(sealed, keys=[KEY_B], aad=b"x")
    with pytest.raises(crypto.VaultError, match="not a sealed value"):
        crypto.open_sealed("plaintext", keys=[KEY_A], aad=b"x")


def test_first_key_encrypts_all_keys_decrypt():
    old = crypto.seal("v", keys=[KEY_B], aad=b"x")
    assert crypto.open_sealed(old, keys=[KEY_A, KEY_B], aad=b"x") == "v"
    assert crypto.key_id_of(crypto.seal("v", keys=[KEY_A, KEY_B], aad=b"x")) == "a"


def test_secret_never_prints_itself():
    secret = crypto.Secret("hunter2")
    assert "hunter2" not in repr(secret) and "hunter2" not in str(secret) and "hunter2" not in f"{secret}"
    assert secret.reveal() == "hunter2"


@pytest.mark.django_db
def test_rotate_keys_reseals_every_secret_with_the_first_key():
    """Uses the job-free TestSecret model (tests.testapp) so the foundation tests need no integration app."""
    from django.core.management import call_command

    from tests.testapp.models import TestSecret

    old_keys = (("old", b"O" * 32),)
    with override_settings(CONFIG=dataclasses.replace(settings.CONFIG, encryption_keys=old_keys)):
        row = TestSecret()
        row.set_secret("token", "tok-1")
        row.save()
        copy = TestSecret(token=row.token)  # a ciphertext copied to another row
        copy.save()
    assert row.token.startswith("fbv1.old.")

    new_keys = (("new", b"N" * 32), *old_keys)
    with override_settings(CONFIG=dataclasses.replace(settings.CONFIG, encryption_keys=new_keys)):
        with pytest.raises(VaultError):
            copy.get_secret("token")
        with pytest.raises(Exception) as caught:
            call_command("rotate_keys")
        assert "could not be opened" in str(caught.value)  # the copied row is reported, not silently kept
        row.refresh_from_db()
        assert row.token.startswith("fbv1.new.")
        assert row.get_secret("token").reveal() == "tok-1"
    with override_settings(CONFIG=dataclasses.replace(settings.CONFIG, encryption_keys=(new_keys[0],))):
        row.refresh_from_db()
        assert row.get_secret("token").reveal() == "tok-1"  # the old key can now be dropped

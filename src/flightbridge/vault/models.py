"""Models that hold secrets inherit `SealedSecretsModel`; the secret columns hold only ciphertext.

Each row carries a random `vault_row_id` used as the row part of the associated data, so the
binding holds even before the row has a primary key (secrets are sealed before the first save).
"""

from __future__ import annotations

import uuid

from django.db import models

from flightbridge.vault import services


class SealedSecretsModel(models.Model):
    #: names of TextFields on the subclass that hold sealed values
    sealed_fields: tuple[str, ...] = ()

    vault_row_id = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)

    class Meta:
        abstract = True

    def _aad_parts(self, field: str) -> tuple[str, str, str]:
        if field not in self.sealed_fields:
            raise ValueError(f"{type(self).__name__}.{field} is not a sealed field")
        return self._meta.db_table, field, str(self.vault_row_id)

    def set_secret(self, field: str, plaintext: str | None) -> None:
        table, column, row = self._aad_parts(field)
        setattr(self, field, services.seal(plaintext, table=table, column=column, row=row) if plaintext else "")

    def get_secret(self, field: str) -> services.Secret | None:
        table, column, row = self._aad_parts(field)
        sealed = getattr(self, field)
        if not sealed:
            return None
        return services.Secret(services.unseal(sealed, table=table, column=column, row=row))

    def has_secret(self, field: str) -> bool:
        self._aad_parts(field)
        return bool(getattr(self, field))

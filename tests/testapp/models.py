from django.db import models

from flightbridge.vault.models import SealedSecretsModel


class TestSecret(SealedSecretsModel):
    sealed_fields = ("token",)
    token = models.TextField(blank=True, default="")

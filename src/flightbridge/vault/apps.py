from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "flightbridge.vault"
    label = "vault"
    verbose_name = "Secret vault"

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "flightbridge.registry"
    label = "registry"
    verbose_name = "FAA registry and airports"

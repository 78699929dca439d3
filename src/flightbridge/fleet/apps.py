from django.apps import AppConfig


class FleetConfig(AppConfig):
    name = "flightbridge.fleet"
    label = "fleet"
    verbose_name = "Aircraft model sync"

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "flightbridge.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

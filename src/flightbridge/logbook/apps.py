from django.apps import AppConfig


class LogbookConfig(AppConfig):
    name = "flightbridge.logbook"
    label = "logbook"
    verbose_name = "Logbook"

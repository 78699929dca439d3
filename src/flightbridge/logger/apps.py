from django.apps import AppConfig


class LoggerConfig(AppConfig):
    name = "flightbridge.logger"
    label = "logger"
    verbose_name = "Logger deep links"

from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "flightbridge.interchange"
    label = "interchange"
    verbose_name = "Logbook files (ForeFlight, MyFlightbook, LogTen Pro CSV)"

from django.apps import AppConfig


class MyFlightbookConfig(AppConfig):
    name = "flightbridge.myflightbook"
    label = "myflightbook"
    verbose_name = "MyFlightbook logbook sync"

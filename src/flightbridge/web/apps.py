from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "flightbridge.web"
    label = "web"
    verbose_name = "Pages"

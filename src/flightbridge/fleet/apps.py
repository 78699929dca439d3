from django.apps import AppConfig


class FleetConfig(AppConfig):
    name = "flightbridge.fleet"
    label = "fleet"
    verbose_name = "Aircraft model sync"

    def ready(self) -> None:
        # Register the job kinds in every process (web too), so request_job knows them before a worker runs.
        from flightbridge.fleet import tasks  # noqa: F401

from django.apps import AppConfig


class MyFlightbookConfig(AppConfig):
    name = "flightbridge.myflightbook"
    label = "myflightbook"
    verbose_name = "MyFlightbook logbook sync"

    def ready(self) -> None:
        # Known in every process (web too), so a request for a sync finds its kind before a worker runs it.
        from flightbridge.jobs.services import register_job_kinds
        from flightbridge.myflightbook.jobs import sync_logbook_job

        register_job_kinds(sync_logbook_job)

        from flightbridge import metrics
        from flightbridge.myflightbook.fleet_status import FleetCollector

        metrics.register_collector(FleetCollector())
        # The scheduled-sync tick: a huey periodic task, run by every worker's scheduler.
        from flightbridge.myflightbook import tasks  # noqa: F401

from django.apps import AppConfig


class LogbookConfig(AppConfig):
    name = "flightbridge.logbook"
    label = "logbook"
    verbose_name = "Logbook"

    def ready(self) -> None:
        from flightbridge.jobs.services import when_worker_dies
        from flightbridge.logbook.services import close_runs_of_dead_job

        # An import run whose worker died would otherwise stay "processing" (and could not be undone).
        when_worker_dies(close_runs_of_dead_job)

        from flightbridge.fleet.runs import after_reference_sync
        from flightbridge.logbook.aircraft import link_after_reference_sync

        # The fleet's FAA reference sync links pilots' aircraft through this hook, never by importing the logbook.
        after_reference_sync(link_after_reference_sync)

from django.apps import AppConfig


class FleetConfig(AppConfig):
    name = "flightbridge.fleet"
    label = "fleet"
    verbose_name = "Aircraft model sync"

    def ready(self) -> None:
        # Known in every process (web too), so request_job knows the kinds before a worker runs them.
        from flightbridge.fleet.jobs import sync_model_job, sync_source_job
        from flightbridge.jobs.services import register_job_kinds

        register_job_kinds(sync_source_job, sync_model_job)

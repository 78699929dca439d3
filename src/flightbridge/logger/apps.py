from django.apps import AppConfig


class LoggerConfig(AppConfig):
    name = "flightbridge.logger"
    label = "logger"
    verbose_name = "Logger deep links"

    def ready(self) -> None:
        # Known in every process (web too), so a request finds the kind before a worker runs it.
        from flightbridge.jobs.services import register_job_kinds
        from flightbridge.logger.jobs import export_job, import_package_job

        register_job_kinds(import_package_job, export_job)

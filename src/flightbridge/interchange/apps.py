from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "flightbridge.interchange"
    label = "interchange"
    verbose_name = "Logbook files (ForeFlight, MyFlightbook, LogTen Pro CSV)"

    def ready(self) -> None:
        # Known in every process (web too), so an upload finds the kind before a worker runs it.
        from flightbridge.interchange.jobs import export_csv_job, import_csv_job
        from flightbridge.jobs.services import register_job_kinds

        register_job_kinds(import_csv_job, export_csv_job)

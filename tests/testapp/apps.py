from django.apps import AppConfig


class TestAppConfig(AppConfig):
    name = "tests.testapp"
    label = "testapp"

    def ready(self) -> None:
        from flightbridge.jobs.services import register_job_kinds
        from tests.testapp.jobs import crashing_job, failing_job, sleep_job

        register_job_kinds(sleep_job, failing_job, crashing_job)

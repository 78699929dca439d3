from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "flightbridge.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        from flightbridge.jobs import services, tasks

        services.send_jobs_with(tasks.run_job_task)

        from flightbridge import metrics
        from flightbridge.jobs.metrics import QueueCollector

        metrics.register_collector(QueueCollector())

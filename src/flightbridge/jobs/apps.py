from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "flightbridge.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        from flightbridge.jobs import exports, files, services, tasks

        services.send_jobs_with(tasks.run_job_task)
        # A dead worker's job never needs its input file again (an import's upload, issue 21).
        services.when_worker_dies(files.remove_for_job)
        # …nor an export's half-written file, which must never be served (issue 22).
        services.when_worker_dies(exports.remove_for_job)

        from flightbridge import metrics
        from flightbridge.jobs.metrics import QueueCollector

        metrics.register_collector(QueueCollector())

import pytest

from flightbridge.jobs import services
from flightbridge.jobs.models import JobStatus, SyncJob
from flightbridge.states import IllegalTransition
from tests.conftest import run_at_once
from tests.testapp.jobs import sleep_job


@pytest.mark.django_db
def test_second_request_returns_the_active_job(user):
    first, created = services.request_job("test.sleep", owner=user)
    again, created_again = services.request_job("test.sleep", owner=user)
    assert created and not created_again
    assert again.pk == first.pk
    other_scope, created_scope = services.request_job("test.sleep", owner=user, scope="source:2")
    assert created_scope and other_scope.pk != first.pk
    assert SyncJob.objects.filter(status=JobStatus.QUEUED).count() == 2


@pytest.mark.django_db
def test_unknown_kind_is_refused_before_a_row_exists(user):
    with pytest.raises(LookupError):
        services.request_job("no.such.kind", owner=user)
    unregistered = services.job_kind("test.never_registered")(lambda context: {})
    with pytest.raises(LookupError, match="test.never_registered"):
        unregistered.request(owner=user)
    assert not SyncJob.objects.exists()


@pytest.mark.django_db
def test_a_kind_is_requested_and_found_through_itself(user):
    job, created = sleep_job.request(owner=user, params={"seconds": 0})
    assert created and job.kind == sleep_job.name == "test.sleep"
    assert list(sleep_job.jobs()) == [job]
    again, created_again = services.request_job("test.sleep", owner=user)  # by name: the same kind, the same job
    assert not created_again and again.pk == job.pk


def test_a_name_declared_twice_fails_at_registration():
    impostor = services.job_kind("test.sleep")(lambda context: {"message": "not the real one"})
    with pytest.raises(ValueError, match="declared twice"):
        services.register_job_kinds(impostor)
    services.register_job_kinds(sleep_job)  # the same kind again is harmless (ready() may run twice)
    assert services.kind_named("test.sleep") is sleep_job


def test_every_app_registers_its_kinds_at_start_up():
    from flightbridge.fleet.jobs import sync_model_job, sync_source_job
    from flightbridge.myflightbook.jobs import sync_logbook_job

    for kind in (sync_logbook_job, sync_source_job, sync_model_job):
        assert services.kind_named(kind.name) is kind
    assert (sync_logbook_job.name, sync_source_job.name, sync_model_job.name) == (
        "myflightbook.sync", "fleet.sync_source", "fleet.sync_model")


@pytest.mark.django_db
def test_job_runs_to_success_with_progress_and_a_new_one_can_start(user, drain_jobs):
    job, _ = services.request_job("test.sleep", owner=user, params={"seconds": 0.1})
    [done] = drain_jobs()
    assert done.pk == job.pk
    assert done.status == JobStatus.SUCCEEDED
    assert done.phase == "slept" and done.progress["ticks"] >= 1
    assert done.message == "Slept 0.1s." and done.result == {"slept": 0.1}
    assert done.started_at and done.finished_at and done.finished_at >= done.started_at
    second, created = services.request_job("test.sleep", owner=user)
    assert created and second.pk != job.pk


@pytest.mark.django_db
def test_domain_error_fails_with_its_message_and_crash_leaks_nothing(user, drain_jobs):
    services.request_job("test.fail", owner=user)
    services.request_job("test.crash", owner=user)
    by_kind = {job.kind: job for job in drain_jobs()}
    assert by_kind["test.fail"].status == JobStatus.FAILED
    assert by_kind["test.fail"].message == "The source said no: try again later."
    assert by_kind["test.fail"].error == "fatal"
    assert by_kind["test.crash"].status == JobStatus.FAILED
    assert by_kind["test.crash"].error == "internal"
    assert "secret-internal-detail" not in by_kind["test.crash"].message


@pytest.mark.django_db
def test_transitions_follow_the_state_machine(user):
    job, _ = services.request_job("test.sleep", owner=user)
    assert not services.transition(job.pk, JobStatus.SUCCEEDED)  # queued cannot jump to succeeded
    assert services.transition(job.pk, JobStatus.RUNNING)
    assert not services.transition(job.pk, JobStatus.RUNNING)  # a second worker cannot claim it
    assert services.transition(job.pk, JobStatus.FAILED, message="x")
    assert not services.transition(job.pk, JobStatus.RUNNING)
    with pytest.raises(IllegalTransition):
        services.transition(job.pk, JobStatus.QUEUED)
    assert services.run_job(job.pk) is None  # a finished job is never run again


@pytest.mark.django_db
def test_stale_running_job_is_reaped_and_replaced(user, settings):
    from datetime import timedelta

    from django.utils import timezone

    job, _ = services.request_job("test.sleep", owner=user)
    services.transition(job.pk, JobStatus.RUNNING)
    SyncJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=settings.FLIGHTBRIDGE_JOB_STALE_SECONDS + 5))
    replacement, created = services.request_job("test.sleep", owner=user)
    assert created and replacement.pk != job.pk
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == "worker_died"
    assert "stopped unexpectedly" in job.message


@pytest.mark.django_db
def test_a_dead_workers_job_fails_together_with_what_it_left_open(user, settings, monkeypatch):
    """The job's failure and its hooks (closing the import run) are one transaction: a hook that fails
    leaves the job running for the next reap, never failed with its run still processing."""
    from datetime import timedelta

    from django.utils import timezone

    job, _ = services.request_job("test.sleep", owner=user)
    services.transition(job.pk, JobStatus.RUNNING)
    SyncJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=settings.FLIGHTBRIDGE_JOB_STALE_SECONDS + 5))

    def broken_hook(job_id: int) -> None:
        raise RuntimeError("the database went away mid-reap")

    monkeypatch.setattr(services, "_WORKER_DIED_HOOKS", [*services._WORKER_DIED_HOOKS, broken_hook])
    with pytest.raises(RuntimeError):
        services.reap_stale_jobs()
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING

    monkeypatch.setattr(services, "_WORKER_DIED_HOOKS", [hook for hook in services._WORKER_DIED_HOOKS if hook is not broken_hook])
    assert services.reap_stale_jobs() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error == "worker_died"


@pytest.mark.django_db(transaction=True)
def test_job_guard_under_real_concurrency(user):
    """Eight threads, each with its own database connection, request the same job at once: one row."""
    results = [(job.pk, created) for job, created in run_at_once(8, lambda: sleep_job.request(owner=user))]
    assert len(results) == 8
    assert len({pk for pk, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert SyncJob.objects.filter(owner=user, kind="test.sleep").count() == 1


@pytest.mark.django_db(transaction=True)
def test_enqueue_happens_only_after_commit(user, monkeypatch):
    from django.db import transaction

    sent = []
    monkeypatch.setattr(services, "enqueue", lambda job_id: sent.append(job_id))
    with transaction.atomic():
        job, _ = services.request_job("test.sleep", owner=user)
        assert sent == []  # still inside the transaction: no worker may see a job it cannot load
    assert sent == [job.pk]
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.request_job("test.sleep", owner=user, scope="rolled-back")
            raise RuntimeError("roll back")
    assert sent == [job.pk]
    assert not SyncJob.objects.filter(scope="rolled-back").exists()


def test_an_idle_worker_looks_at_the_queue_at_least_twice_a_second():
    """Jobs waited 5-6 s for an idle worker: huey backs an idle thread off to one look every 10 s. The worker's
    threads back off to at most MAX_POLL_DELAY (the latency itself is measured in benchmarks/bench_jobs.py)."""
    from huey import MemoryHuey

    from flightbridge.jobs.management.commands.worker import MAX_POLL_DELAY, consumer_for

    consumer = consumer_for(MemoryHuey("poll-test"), workers=3)
    assert MAX_POLL_DELAY <= 0.5
    assert [worker.max_delay for worker, _process in consumer.worker_threads] == [MAX_POLL_DELAY] * 3

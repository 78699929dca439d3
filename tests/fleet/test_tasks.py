"""Scheduled syncs: due sources get one job, from the database, never twice, even with several workers."""

from datetime import timedelta

import pytest
from django.db import close_old_connections
from django.utils import timezone

from flightbridge.fleet import jobs, schedule, sources, tasks
from flightbridge.fleet.models import DataSourceConfig
from flightbridge.jobs.models import JobStatus, SyncJob
from tests.conftest import run_at_once
from tests.fleet.conftest import make_source


def fleet_jobs():
    return SyncJob.objects.filter(kind=jobs.sync_source_job.name)


@pytest.mark.django_db
def test_only_due_active_sources_with_a_frequency_are_scheduled(sandbox):
    hourly = make_source("Hourly", sandbox.url, sync_frequency="hourly")
    make_source("Manual", sandbox.url, sync_frequency="manual")
    off = make_source("Off", sandbox.url, sync_frequency="hourly")
    DataSourceConfig.objects.filter(pk=off.pk).update(status="inactive")
    make_source("Inbound", sandbox.url, sync_frequency="hourly", direction="inbound")
    recent = make_source("Synced recently", sandbox.url, sync_frequency="daily")
    DataSourceConfig.objects.filter(pk=recent.pk).update(last_sync_at=timezone.now() - timedelta(hours=2))
    [job] = schedule.schedule_due_syncs()
    assert job.params == {"source_id": hourly.pk, "trigger": "schedule"} and job.owner is None
    assert job.scope == f"source:{hourly.pk}"
    assert schedule.schedule_due_syncs() == []  # a second run in the same minute claims nothing


@pytest.mark.django_db
def test_schedule_follows_the_frequency_from_the_database(sandbox, drain_jobs):
    source = make_source("Hourly", sandbox.url, sync_frequency="hourly")
    start = timezone.now()
    assert len(schedule.schedule_due_syncs(start)) == 1
    [done] = drain_jobs()
    assert done.status == JobStatus.SUCCEEDED
    # After a restart nothing in memory survives: the next run is computed from last_sync_at / last_scheduled_at.
    assert schedule.schedule_due_syncs(start + timedelta(minutes=30)) == []
    source.refresh_from_db()
    assert sources.next_sync_at(source) >= start + timedelta(minutes=60)
    later = schedule.schedule_due_syncs(source.last_sync_at + timedelta(minutes=61))
    assert len(later) == 1 and fleet_jobs().count() == 2


@pytest.mark.django_db
def test_a_still_running_sync_is_not_scheduled_again(sandbox):
    make_source("Hourly", sandbox.url, sync_frequency="hourly")
    [job] = schedule.schedule_due_syncs()
    # an hour later the first job is somehow still queued: the job guard keeps it to one
    assert schedule.schedule_due_syncs(timezone.now() + timedelta(minutes=61)) == []
    assert fleet_jobs().filter(status__in=["queued", "running"]).count() == 1
    assert fleet_jobs().get().pk == job.pk


@pytest.mark.django_db
def test_periodic_task_requests_due_jobs(sandbox):
    make_source("Hourly", sandbox.url, sync_frequency="hourly")
    tasks.schedule_model_syncs_task.call_local()
    assert fleet_jobs().count() == 1


@pytest.mark.django_db(transaction=True)
def test_several_workers_scheduling_at_once_make_one_job(sandbox):
    sources = [make_source(f"Source {n}", sandbox.url, sync_frequency="hourly") for n in range(3)]
    run_at_once(4, schedule.schedule_due_syncs)
    close_old_connections()
    assert sorted(fleet_jobs().values_list("params__source_id", flat=True)) == sorted(s.pk for s in sources)

"""Scheduled sync (issue 15): each pilot's slot, the spread over the period, and the every-minute tick.

The pure parts (slots, due, spreading) need no database; the tick is checked on the database it runs
on: each due pilot is asked for once even when two ticks run at once, and a connection that needs
reconnecting, a pilot who turned auto-sync off, or a pilot already syncing is left alone.
"""

import dataclasses
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from django.db import close_old_connections

from flightbridge.config import ConfigError, load_config, parse_auto_sync
from flightbridge.jobs.models import SyncJob
from flightbridge.myflightbook import autosync, schedule, tasks
from flightbridge.myflightbook.jobs import sync_logbook_job
from flightbridge.myflightbook.models import ConnectionStatus, IntegrationToken, SyncSchedule
from tests.conftest import run_at_once

NOW = datetime(2026, 11, 29, 0, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)


# ------------------------------------------------------------------------------------------ pure

def test_a_slot_is_the_pilots_fixed_place_in_the_period():
    offset = schedule.slot_offset(42, DAY)
    assert timedelta(0) <= offset < DAY and offset == schedule.slot_offset(42, DAY)  # stable across restarts
    assert schedule.slot_offset(42, DAY, "full") != offset  # the full reconciliation has its own place
    slot = schedule.next_slot(NOW, DAY, offset)
    assert NOW < slot <= NOW + DAY and (slot - schedule.EPOCH - offset) % DAY == timedelta(0)
    assert schedule.next_slot(slot, DAY, offset) == slot + DAY  # strictly after: a slot is never reused
    assert schedule.next_slot(slot - timedelta(seconds=1), DAY, offset) == slot


def test_due_is_at_or_after_the_slot():
    assert schedule.is_due(NOW, NOW) and schedule.is_due(NOW - timedelta(minutes=1), NOW)
    assert not schedule.is_due(NOW + timedelta(seconds=1), NOW) and not schedule.is_due(None, NOW)
    assert autosync.mode_for(None, NOW) == "full" and autosync.mode_for(NOW, NOW) == "full"
    assert autosync.mode_for(NOW + timedelta(hours=1), NOW) == "quick"


def test_5000_pilots_are_spread_over_the_day_not_due_at_midnight():
    slots = [schedule.next_slot(NOW, DAY, schedule.slot_offset(owner_id, DAY)) for owner_id in range(1, 5001)]
    assert all(NOW < slot <= NOW + DAY for slot in slots)
    per_hour = Counter(slot.hour for slot in slots)
    assert len(per_hour) == 24 and max(per_hour.values()) <= 260 and min(per_hour.values()) >= 160  # 208 each if even
    per_minute = Counter((slot.hour, slot.minute) for slot in slots)
    assert max(per_minute.values()) <= 15  # 3.5 a minute on average: no thundering herd in any minute
    hourly = Counter(schedule.slot_offset(owner_id, timedelta(hours=1)) // timedelta(minutes=1) for owner_id in range(1, 5001))
    assert len(hourly) == 60 and max(hourly.values()) <= 120  # 83 a minute if even


def test_auto_sync_settings_are_checked_at_startup(tmp_path):
    assert [parse_auto_sync(value) for value in ("", "off", "hourly", "daily", " 30 ")] == [1440, None, 60, 1440, 30]
    for bad, words in (("weekly", "not off, hourly, daily"), ("0", "out of range"), ("-5", "out of range")):
        with pytest.raises(ConfigError, match=f"MFB_AUTO_SYNC: .*{words}"):
            parse_auto_sync(bad)
    config = load_config({"FLIGHTBRIDGE_DATA_DIR": str(tmp_path), "MFB_AUTO_SYNC": "hourly", "MFB_FULL_SYNC_DAYS": "3",
                          "MFB_QUICK_WINDOW_DAYS": "30"})
    assert (config.mfb_auto_sync_minutes, config.mfb_full_sync_days, config.mfb_quick_window_days) == (60, 3, 30)
    defaults = load_config({"FLIGHTBRIDGE_DATA_DIR": str(tmp_path)})
    assert (defaults.mfb_auto_sync_minutes, defaults.mfb_full_sync_days, defaults.mfb_quick_window_days) == (1440, 7, 60)
    for variable, value, words in (("MFB_FULL_SYNC_DAYS", "0", "at least 1"), ("MFB_QUICK_WINDOW_DAYS", "two", "whole number"),
                                   ("MFB_QUICK_WINDOW_DAYS", "99999", "at most")):
        with pytest.raises(ConfigError, match=f"{variable}: .*{words}"):
            load_config({"FLIGHTBRIDGE_DATA_DIR": str(tmp_path), variable: value})


# ------------------------------------------------------------------------------------------ the tick

@pytest.fixture
def configured(settings):
    settings.CONFIG = dataclasses.replace(settings.CONFIG, mfb_client_id="flightbridge-test", mfb_client_secret="s3cret",
                                          mfb_auto_sync_minutes=1440, mfb_full_sync_days=7)
    return settings


def pilot(django_user_model, name, *, status=ConnectionStatus.CONNECTED, auto_sync=True, due=True, full_due=False):
    user = django_user_model.objects.create_user(username=name, password="pw-" + name * 3)
    IntegrationToken.objects.create(owner=user, status=status)
    SyncSchedule.objects.create(owner=user, auto_sync=auto_sync,
                                next_sync_at=NOW - timedelta(minutes=5) if due else NOW + timedelta(hours=3),
                                next_full_sync_at=NOW - timedelta(minutes=1) if full_due else NOW + timedelta(days=3))
    return user


def sync_jobs():
    return SyncJob.objects.filter(kind=sync_logbook_job.name)


@pytest.mark.django_db
def test_the_tick_asks_for_each_due_connected_pilot_once(configured, django_user_model):
    due = pilot(django_user_model, "due")
    full = pilot(django_user_model, "fullnow", full_due=True)
    pilot(django_user_model, "later", due=False)
    pilot(django_user_model, "off", auto_sync=False)
    pilot(django_user_model, "broken", status=ConnectionStatus.NEEDS_RECONNECT)
    jobs = autosync.schedule_due_syncs(NOW)
    assert sorted((job.owner.username, job.params["mode"], job.params["trigger"]) for job in jobs) == [
        ("due", "quick", "schedule"), ("fullnow", "full", "schedule")]
    row = SyncSchedule.objects.get(owner=due)
    assert row.next_sync_at == schedule.next_quick_at(due.pk, NOW) and row.next_sync_at > NOW  # moved to its next slot
    assert SyncSchedule.objects.get(owner=full).next_full_sync_at < NOW  # moved only when the full walk has run
    assert autosync.schedule_due_syncs(NOW) == []  # a second tick in the same minute finds nobody due
    assert sync_jobs().count() == 2


@pytest.mark.django_db
def test_a_pilot_still_syncing_is_not_queued_again(configured, django_user_model):
    busy = pilot(django_user_model, "busy")
    running, _ = sync_logbook_job.request(owner=busy, params={"mode": "quick", "trigger": "manual"})
    assert autosync.schedule_due_syncs(NOW) == []
    assert list(sync_jobs().values_list("pk", flat=True)) == [running.pk]


@pytest.mark.django_db
def test_connected_pilots_without_a_row_get_their_slots(configured, django_user_model):
    newcomer = django_user_model.objects.create_user(username="newcomer", password="pw-newcomer")
    IntegrationToken.objects.create(owner=newcomer)
    assert autosync.schedule_due_syncs(NOW) == []  # their first slot is in the coming day, not now
    row = SyncSchedule.objects.get(owner=newcomer)
    assert NOW < row.next_sync_at <= NOW + DAY and NOW < row.next_full_sync_at <= NOW + 7 * DAY
    assert autosync.schedule_due_syncs(row.next_sync_at)[0].owner == newcomer


@pytest.mark.django_db
def test_auto_sync_off_for_the_deployment_or_unconfigured_asks_for_nothing(configured, django_user_model):
    pilot(django_user_model, "due")
    configured.CONFIG = dataclasses.replace(configured.CONFIG, mfb_auto_sync_minutes=None)
    assert autosync.schedule_due_syncs(NOW) == []
    configured.CONFIG = dataclasses.replace(configured.CONFIG, mfb_auto_sync_minutes=60, mfb_client_id="")
    assert autosync.schedule_due_syncs(NOW) == [] and sync_jobs().count() == 0
    assert autosync.oldest_due_at(NOW) == NOW - timedelta(minutes=5)


@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_once_queue_each_due_pilot_once(configured, django_user_model):
    pilots = [pilot(django_user_model, f"p{n}") for n in range(6)]
    pilot(django_user_model, "broken", status=ConnectionStatus.NEEDS_RECONNECT)
    created = run_at_once(2, lambda: len(autosync.schedule_due_syncs(NOW)))
    close_old_connections()
    assert sum(created) == 6
    assert sorted(sync_jobs().values_list("owner_id", flat=True)) == sorted(user.pk for user in pilots)


@pytest.mark.django_db
def test_the_tick_is_a_periodic_task_every_minute_in_the_workers_scheduler(configured, django_user_model):
    from huey.contrib.djhuey import HUEY

    task = tasks.schedule_logbook_syncs_task.s()
    assert all(task.validate_datetime(datetime(2026, 11, 29, 3, minute)) for minute in (0, 17, 59))
    assert tasks.schedule_logbook_syncs_task.task_class in {type(t) for t in HUEY._registry.periodic_tasks}
    due = pilot(django_user_model, "due")
    SyncSchedule.objects.filter(owner=due).update(next_sync_at=datetime.now(timezone.utc) - timedelta(minutes=1))
    tasks.schedule_logbook_syncs_task.call_local()
    assert list(sync_jobs().values_list("owner_id", flat=True)) == [due.pk]


# ------------------------------------------------------------------------------------------ the pilot's switch

@pytest.mark.django_db
def test_the_pilot_turns_auto_sync_off_and_on_through_the_api(configured, user, api):
    IntegrationToken.objects.create(owner=user)
    response = api.patch("/api/integrations/myflightbook", {"auto_sync": False}, content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["auto_sync"], body["next_sync_at"], body["auto_sync_minutes"]) == (False, None, 1440)
    assert SyncSchedule.objects.get(owner=user).auto_sync is False
    body = api.patch("/api/integrations/myflightbook", {"auto_sync": True}, content_type="application/json").json()
    assert body["auto_sync"] is True and body["next_sync_at"] is not None
    assert api.patch("/api/integrations/myflightbook", {"auto_sync": "maybe"}, content_type="application/json").status_code == 422


@pytest.mark.django_db
def test_the_sync_route_is_quick_unless_full_is_asked(configured, user, api):
    IntegrationToken.objects.create(owner=user)
    job = api.post("/api/integrations/myflightbook/sync").json()
    assert SyncJob.objects.get(pk=job["id"]).params == {"mode": "quick", "trigger": "manual"}
    SyncJob.objects.filter(pk=job["id"]).update(status="failed")
    job = api.post("/api/integrations/myflightbook/sync?full=true").json()
    assert SyncJob.objects.get(pk=job["id"]).params == {"mode": "full", "trigger": "manual"}


def test_the_openapi_schema_documents_the_switch_and_the_full_flag(client):
    schema = client.get("/api/openapi.json").json()
    connection = schema["paths"]["/api/integrations/myflightbook"]
    assert "patch" in connection and "get" in connection
    sync = schema["paths"]["/api/integrations/myflightbook/sync"]["post"]
    assert [parameter["name"] for parameter in sync["parameters"]] == ["full"]
    out = schema["components"]["schemas"]["ConnectionOut"]["properties"]
    assert {"auto_sync", "next_sync_at", "next_full_sync_at", "last_sync_mode", "last_sync_escalated"} <= set(out)


@pytest.mark.django_db
def test_a_slot_left_from_another_period_is_moved_into_the_current_one(configured, django_user_model, user, api):
    """The demo's card said "every 15 minutes" beside a next sync 8 hours away: the slot had been set under
    the daily default. The card and the tick both read the slot in the current period."""
    configured.CONFIG = dataclasses.replace(configured.CONFIG, mfb_auto_sync_minutes=15)
    IntegrationToken.objects.create(owner=user)
    now = datetime.now(timezone.utc)
    SyncSchedule.objects.create(owner=user, next_sync_at=schedule.next_quick_at(user.pk, now, timedelta(days=1)) + DAY,
                                next_full_sync_at=now + DAY)
    status = api.get("/api/integrations/myflightbook").json()
    shown = datetime.fromisoformat(status["next_sync_at"].replace("Z", "+00:00"))
    assert status["auto_sync_minutes"] == 15 and now < shown <= now + timedelta(minutes=15)
    autosync.schedule_due_syncs(now)
    assert now < SyncSchedule.objects.get(owner=user).next_sync_at <= now + timedelta(minutes=15)


@pytest.mark.django_db
def test_the_demo_schedules_its_first_quick_sync_within_its_period(user, tmp_path):
    from flightbridge.myflightbook import demo
    from flightbridge.web.management.commands.demo import DemoContext

    before = datetime.now(timezone.utc)
    demo.prepare(DemoContext(host="127.0.0.1", port=8023, data_dir=tmp_path, pilot=user))  # this process: daily
    row = SyncSchedule.objects.get(owner=user)
    assert before < row.next_sync_at <= before + timedelta(minutes=demo.DEMO_AUTO_SYNC_MINUTES, seconds=5)


@pytest.mark.django_db
def test_the_card_says_an_escalated_quick_sync_ran_full(configured, user, client):
    """A quick sync the tripwire escalated to a full walk: the card says what ran, not what was asked."""
    from flightbridge.logbook.models import LogbookImport
    from flightbridge.logbook.services import finish_import

    IntegrationToken.objects.create(owner=user)
    run = LogbookImport.objects.create(owner=user, source="myflightbook", details={"mode": "full", "escalated": True})
    finish_import(run, "completed", message="Imported 0 new flights; 0 aircraft added; full sync.")
    client.force_login(user)
    html = client.get("/logbook/").content.decode()
    assert '<dd data-synced="mode">full (escalated)</dd>' in html
    status = client.get("/api/integrations/myflightbook").json()
    assert (status["last_sync_mode"], status["last_sync_escalated"]) == ("full", True)
    assert '<label class="check"><input type="checkbox" id="mfb-auto-sync"' in html  # beside its words, not above

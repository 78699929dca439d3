"""The demo hook: a sandbox child process and an idempotent data source pointing at it with its key."""

import subprocess
from pathlib import Path

import httpx
import pytest

from flightbridge.fleet import demo, schedule
from flightbridge.fleet.models import AircraftModel, DataSourceConfig
from flightbridge.web.management.commands.demo import DemoContext
from tests.conftest import REPO_ROOT, child_env, wait_for

pytestmark = pytest.mark.django_db


def context_for(user, tmp_path):
    return DemoContext(host="127.0.0.1", port=8000, data_dir=Path(tmp_path), pilot=user)


def test_prepare_is_idempotent_and_hands_the_key_over_the_environment(admin_user, tmp_path):
    first = context_for(admin_user, tmp_path)
    demo.prepare(first)
    source = DataSourceConfig.objects.get(name=demo.DEMO_SOURCE_NAME)
    key = first.env[demo.API_KEY_ENV]
    assert source.get_secret("api_key").reveal() == key and source.auth_type == "api_key" and source.is_syncable
    [argv] = first.processes.values()
    assert argv[2:4] == ["flightbridge", "model_source_sandbox"] and key not in " ".join(argv)
    assert f"--port {source.endpoint.split(':')[2].split('/')[0]}" in " ".join(argv)
    assert any("/fleet/sync/" in note for note in first.notes)
    second = context_for(admin_user, tmp_path)
    demo.prepare(second)
    assert DataSourceConfig.objects.filter(name=demo.DEMO_SOURCE_NAME).count() == 1
    assert DataSourceConfig.objects.get(name=demo.DEMO_SOURCE_NAME).get_secret("api_key").reveal() == second.env[demo.API_KEY_ENV]


@pytest.mark.multiprocess
def test_demo_sandbox_process_serves_the_source(admin_user, tmp_path, drain_jobs):
    context = context_for(admin_user, tmp_path)
    demo.prepare(context)
    [argv] = context.processes.values()
    with open(tmp_path / "sandbox.log", "wb") as output:
        process = subprocess.Popen(argv, env=child_env(**context.env), cwd=REPO_ROOT, stdout=output, stderr=subprocess.STDOUT)
        try:
            source = DataSourceConfig.objects.get(name=demo.DEMO_SOURCE_NAME)

            def up():
                try:
                    return httpx.get(source.endpoint, timeout=2).status_code == 401
                except httpx.TransportError:
                    return False

            wait_for(up, 30, message="the demo sandbox to listen")
            schedule.request_source_sync(source, admin_user)
            [job] = drain_jobs()
            assert job.status == "succeeded", job.message
            assert AircraftModel.objects.filter(external_data_source=demo.DEMO_SOURCE_NAME).count() == demo.DEMO_MODELS
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_the_demo_configures_and_syncs_the_faa_reference_over_the_loaded_sample(admin_user, tmp_path):
    from flightbridge.registry import demo as registry_demo

    context = context_for(admin_user, tmp_path)
    registry_demo.prepare(context)
    demo.prepare(context)
    faa = DataSourceConfig.objects.get(name=demo.FAA_SOURCE_NAME)
    assert faa.kind == "faa_reference" and faa.last_sync_status == "succeeded"
    assert AircraftModel.objects.filter(external_data_source=faa.name, external_id="2072738").get().name == "CESSNA 172S"
    assert any("/logbook/aircraft/" in note for note in context.notes)
    demo.prepare(context_for(admin_user, tmp_path))  # again: the same source, nothing doubled
    assert DataSourceConfig.objects.filter(name=demo.FAA_SOURCE_NAME).count() == 1
    assert AircraftModel.objects.filter(external_id="2072738").count() == 1

"""The /fleet/sync/ page: what each user sees, and the whole flow in chromium (test, sync all, sync one)."""

import pytest
from huey.contrib.djhuey import HUEY

from flightbridge.fleet.models import AircraftModel
from tests.conftest import log_in
from tests.fleet.conftest import grant, make_source

pytestmark = pytest.mark.django_db


def test_page_needs_login_and_some_read_permission(client, user):
    assert client.get("/fleet/sync/")["Location"].startswith("/accounts/login/")
    client.force_login(user)
    assert client.get("/fleet/sync/").status_code == 403


def test_sections_follow_permissions(client, user, source):
    AircraftModel.objects.create(name="Cessna 152", external_id="cessna-152", external_data_source="Type Catalog")
    client.force_login(grant(user, "view_synclog"))
    html = client.get("/fleet/sync/").content.decode()
    assert 'id="logs"' in html and 'id="errors"' in html
    assert 'id="status"' not in html and 'id="models"' not in html and 'data-action="sync-all"' not in html
    client.force_login(grant(user, "view_datasourceconfig", "view_aircraftmodel"))
    html = client.get("/fleet/sync/").content.decode()
    assert 'id="status"' in html and "Type Catalog" in html and 'data-model-id' in html
    assert 'data-action="sync-all"' not in html and 'data-action="test"' not in html
    assert "you need both “manage integration connections” and “update aircraft models”" in html
    client.force_login(grant(user, "manage_datasourceconfig", "change_aircraftmodel"))
    html = client.get("/fleet/sync/").content.decode()
    assert 'data-action="sync-all"' in html and 'data-action="test"' in html and 'data-action="sync-model"' in html


def test_page_shows_the_key_only_as_set(client, admin_user, source):
    client.force_login(admin_user)
    html = client.get("/fleet/sync/").content.decode()
    assert "sandbox-key" not in html and ">set<" in html
    assert client.cookies.get("csrftoken")  # the buttons post with it


@pytest.fixture
def jobs_run_inline():
    # The page's buttons start background jobs; here they run inside the request, as a worker would.
    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_sync_page_in_chromium(live_server, browser_page, admin_user, sandbox, jobs_run_inline):
    make_source("Type Catalog", sandbox.url)
    page = browser_page
    log_in(page, live_server, "ops", "ops-password-1", next_path="/fleet/sync/")
    assert page.locator("h1").inner_text() == "Aircraft model sync"
    assert page.locator('[data-status="status"]').inner_text() == "active"
    assert page.locator('[data-status="connections"]').inner_text() == "1"

    page.click('button[data-action="test"]')
    result = page.locator("[data-test-result]")
    result.locator("text=30 aircraft model(s) available").wait_for()
    assert result.get_attribute("data-ok") == "true"

    page.click('button[data-action="sync-all"]')
    done = page.locator('#jobs li[data-job-status="succeeded"]')
    done.wait_for()
    assert "30 new, 0 updated" in done.inner_text() and "Type Catalog" in done.inner_text()
    assert done.inner_text().count("30 new") == 1  # the counts once (the message), not again in brackets
    assert "(job " not in done.inner_text()  # the pilot's words, not our row ids
    # The sections were fetched again before the job line turned "succeeded": no reload needed.
    assert page.locator("#models tr[data-model-id]").count() == 30
    assert page.locator('[data-status="last_sync_status"]').inner_text() == "succeeded"

    page.reload()
    assert page.locator("#models tr[data-model-id]").count() == 30
    assert page.locator('[data-status="last_sync_status"]').inner_text() == "succeeded"
    assert page.locator('#logs tr[data-action="created"]').count() == 30

    sandbox.update_model("cirrus-sr22", name="Cirrus SR22T")
    model = AircraftModel.objects.get(external_id="cirrus-sr22")
    page.click(f'tr[data-model-id="{model.pk}"] button[data-action="sync-model"]')
    page.locator('#jobs li[data-job-status="succeeded"] >> text=Sync model').wait_for()
    model.refresh_from_db()
    assert model.name == "Cirrus SR22T"

    sandbox.control({"fail_5xx": -1})
    page.click('button[data-action="sync-all"]')
    failed = page.locator('#jobs li[data-job-status="failed"]')
    failed.wait_for()
    assert "HTTP 503" in failed.inner_text()
    page.reload()
    assert page.locator('[data-status="status"]').inner_text() == "degraded"
    assert "HTTP 503" in page.locator("#errors").inner_text()


def test_a_data_source_is_added_and_edited_in_the_browser_with_its_key_write_only(client, user, sandbox):
    from flightbridge.fleet.models import DataSourceConfig

    client.force_login(user)
    assert client.get("/fleet/sources/new").status_code == 403  # needs "create integration connections"
    client.force_login(grant(user, "view_datasourceconfig", "add_datasourceconfig", "change_datasourceconfig"))
    page = client.get("/fleet/sync/").content.decode()
    assert 'id="add-source"' in page
    form = {"name": "Type Catalog", "endpoint": sandbox.url, "direction": "outbound", "sync_frequency": "daily",
            "auth_type": "api_key", "username": "", "api_key": "typed-key-91"}
    assert client.post("/fleet/sources/new", form)["Location"] == "/fleet/sync/"
    source = DataSourceConfig.objects.get(name="Type Catalog")
    assert source.get_secret("api_key").reveal() == "typed-key-91" and source.sync_frequency == "daily"

    edit = client.get(f"/fleet/sources/{source.pk}/edit").content.decode()
    assert "typed-key-91" not in edit and 'data-api-key="set"' in edit and 'name="remove_api_key"' in edit
    client.post(f"/fleet/sources/{source.pk}/edit", {**form, "status": "active", "api_key": "", "sync_frequency": "weekly"})
    source.refresh_from_db()
    assert source.get_secret("api_key").reveal() == "typed-key-91" and source.sync_frequency == "weekly"  # empty box keeps it
    refused = client.post(f"/fleet/sources/{source.pk}/edit", {**form, "status": "active", "endpoint": "ftp://x"})
    assert 'id="refused"' in refused.content.decode() and refused.status_code == 200
    client.post(f"/fleet/sources/{source.pk}/edit", {**form, "status": "active", "api_key": "", "remove_api_key": "on"})
    source.refresh_from_db()
    assert not source.has_secret("api_key")
    duplicate = client.post("/fleet/sources/new", form).content.decode()
    assert "already exists" in duplicate and DataSourceConfig.objects.count() == 1


def test_preview_in_the_browser_shows_old_values_only_to_those_who_may_read_models(client, user, sandbox, django_user_model):
    from flightbridge.fleet.models import SyncLog

    source = make_source("Type Catalog", sandbox.url)
    AircraftModel.objects.create(name="Cessna 172S (old name)", manufacturer="Cessna", model_number="172S",
                                 external_id="cessna-172s", external_data_source="Type Catalog")
    client.force_login(grant(user, "view_datasourceconfig", "manage_datasourceconfig"))
    assert 'data-action="preview"' in client.get("/fleet/sync/").content.decode()
    blind = client.post(f"/fleet/sources/{source.pk}/preview").content.decode()
    assert "A sync would create 29, update 1, leave" in " ".join(blind.split())
    assert "Cessna 172S (old name)" not in blind and "Cessna 172S Skyhawk SP" in blind
    assert "Current values are shown only to those who may read aircraft models" in blind
    client.force_login(grant(user, "view_aircraftmodel"))
    seen = client.post(f"/fleet/sources/{source.pk}/preview").content.decode()
    assert "<del>Cessna 172S (old name)</del> → <ins>Cessna 172S Skyhawk SP</ins>" in seen
    assert SyncLog.objects.count() == 0 and AircraftModel.objects.get(external_id="cessna-172s").name == "Cessna 172S (old name)"
    other = django_user_model.objects.create_user(username="nobody", password="nobody-password-1")
    client.force_login(grant(other, "view_datasourceconfig"))
    assert client.post(f"/fleet/sources/{source.pk}/preview").status_code == 403

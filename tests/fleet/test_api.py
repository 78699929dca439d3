"""The aircraft model sync API: the permission matrix cell by cell, write-only keys, preview, errors."""

import itertools
import json

import pytest

from flightbridge.fleet.models import AircraftModel, DataSourceConfig, SyncLog
from flightbridge.jobs.models import SyncJob
from tests.conftest import token_client
from tests.fleet.conftest import SANDBOX_KEY, grant, make_source

pytestmark = pytest.mark.django_db

ALL = ("view_datasourceconfig", "add_datasourceconfig", "change_datasourceconfig", "delete_datasourceconfig",
       "manage_datasourceconfig", "view_aircraftmodel", "add_aircraftmodel", "change_aircraftmodel", "view_synclog")
_names = itertools.count()


def unique(prefix):
    return f"{prefix} {next(_names)}"


# action: (method, path template, body, needed permissions, success status)
ACTIONS = {
    "list models": ("get", "/api/aircraft-models", None, {"view_aircraftmodel"}, 200),
    "get model": ("get", "/api/aircraft-models/{model}", None, {"view_aircraftmodel"}, 200),
    "create model": ("post", "/api/aircraft-models", lambda: {"name": unique("Glider")}, {"add_aircraftmodel"}, 201),
    "preview create": ("post", "/api/aircraft-models?preview=true", {"name": "Preview"}, {"add_aircraftmodel"}, 200),
    "patch model": ("patch", "/api/aircraft-models/{model}", {"description": "edited"}, {"change_aircraftmodel"}, 200),
    "put model": ("put", "/api/aircraft-models/{model}", {"name": "Cessna 172S Skyhawk SP"}, {"change_aircraftmodel"}, 200),
    "preview update": ("patch", "/api/aircraft-models/{model}?preview=true", {"name": "X"}, {"change_aircraftmodel"}, 200),
    "sync model": ("post", "/api/aircraft-models/{model}/sync", None, {"manage_datasourceconfig", "change_aircraftmodel"}, 202),
    "list sources": ("get", "/api/data-sources", None, {"view_datasourceconfig"}, 200),
    "get source": ("get", "/api/data-sources/{source}", None, {"view_datasourceconfig"}, 200),
    "create source": ("post", "/api/data-sources", lambda: {"name": unique("Src"), "endpoint": "https://models.example/v1"},
                      {"add_datasourceconfig"}, 201),
    "update source": ("patch", "/api/data-sources/{source}", {"sync_frequency": "daily"}, {"change_datasourceconfig"}, 200),
    "delete source": ("delete", "/api/data-sources/{spare}", None, {"delete_datasourceconfig"}, 204),
    "test source": ("post", "/api/data-sources/{source}/test", None, {"manage_datasourceconfig"}, 200),
    "preview source": ("post", "/api/data-sources/{source}/preview", None, {"manage_datasourceconfig"}, 200),
    "sync source": ("post", "/api/data-sources/{source}/sync", None, {"manage_datasourceconfig", "change_aircraftmodel"}, 202),
    "status": ("get", "/api/aircraft-model-sync/status", None, {"view_datasourceconfig"}, 200),
    "sync all": ("post", "/api/aircraft-model-sync/sync-all", None, {"manage_datasourceconfig", "change_aircraftmodel"}, 202),
    "logs": ("get", "/api/aircraft-model-sync/logs", None, {"view_synclog"}, 200),
    "errors": ("get", "/api/aircraft-model-sync/errors", None, {"view_synclog"}, 200),
}


@pytest.fixture
def world(sandbox):
    source = make_source("Type Catalog", sandbox.url)
    model = AircraftModel.objects.create(name="Cessna 172S Skyhawk SP", manufacturer="Cessna", model_number="172S",
                                         external_id="cessna-172s", external_data_source="Type Catalog")
    return {"source": source, "model": model}


def call(client, action, world):
    method, path, body, _needed, _ok = ACTIONS[action]
    spare = make_source(unique("Spare"), "https://spare.example/models", api_key=None) if "{spare}" in path else None
    url = path.format(model=world["model"].pk, source=world["source"].pk, spare=spare.pk if spare else 0)
    body = body() if callable(body) else body
    if method in ("get", "delete"):
        return getattr(client, method)(url)
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


def client_with(django_user_model, perms):
    user = django_user_model.objects.create_user(username=unique("user").replace(" ", ""))
    return token_client(grant(user, *perms))


CELLS = [(action, perm) for action in ACTIONS for perm in ALL]


@pytest.mark.parametrize("action, perm", CELLS, ids=[f"{a}|{p}" for a, p in CELLS])
def test_permission_matrix_cell(action, perm, world, django_user_model):
    _method, _path, _body, needed, ok = ACTIONS[action]
    if perm in needed:
        # with every other permission but this one: refused
        response = call(client_with(django_user_model, set(ALL) - {perm}), action, world)
        assert response.status_code == 403, response.content
        body = response.json()
        assert response["Content-Type"] == "application/problem+json"
        assert f"fleet.{perm}" in body["detail"]
        # with exactly what it needs: allowed
        assert call(client_with(django_user_model, needed), action, world).status_code == ok
    else:
        # this permission alone (without what the action needs) does not allow it
        assert call(client_with(django_user_model, {perm}), action, world).status_code == 403
        # and adding it to what the action needs changes nothing
        assert call(client_with(django_user_model, needed | {perm}), action, world).status_code == ok


@pytest.mark.parametrize("action", list(ACTIONS))
def test_superuser_may_do_everything(action, world, admin_api):
    assert call(admin_api, action, world).status_code == ACTIONS[action][4]


def test_managing_connections_alone_never_changes_model_data(world, django_user_model, drain_jobs):
    manager = client_with(django_user_model, {"manage_datasourceconfig", "view_datasourceconfig",
                                              "change_datasourceconfig", "add_datasourceconfig"})
    model = world["model"]
    assert manager.patch(f"/api/aircraft-models/{model.pk}", data={"name": "Hacked"}, content_type="application/json").status_code == 403
    assert manager.post(f"/api/aircraft-models/{model.pk}/sync").status_code == 403
    assert manager.post("/api/aircraft-model-sync/sync-all").status_code == 403
    assert manager.post(f"/api/data-sources/{world['source'].pk}/sync").status_code == 403
    assert manager.post(f"/api/data-sources/{world['source'].pk}/test").json()["ok"] is True  # managing is allowed
    assert not SyncJob.objects.exists()
    assert drain_jobs() == []
    model.refresh_from_db()
    assert model.name == "Cessna 172S Skyhawk SP"


def test_api_key_is_write_only(admin_api, sandbox):
    secret = "write-only-key-93ab"
    response = admin_api.post("/api/data-sources", content_type="application/json", data={
        "name": "Keyed", "endpoint": sandbox.url, "auth_type": "bearer", "api_key": secret, "sync_frequency": "hourly"})
    assert response.status_code == 201
    body = response.json()
    assert body["api_key"] == "set" and body["has_api_key"] is True and secret not in response.content.decode()
    source_id = body["id"]
    for response in (admin_api.get("/api/data-sources"), admin_api.get(f"/api/data-sources/{source_id}"),
                     admin_api.patch(f"/api/data-sources/{source_id}", data={"endpoint": sandbox.url + "/"},
                                     content_type="application/json"),
                     admin_api.get("/api/aircraft-model-sync/status"),
                     admin_api.post(f"/api/data-sources/{source_id}/test"),
                     admin_api.get("/api/openapi.json")):
        assert secret not in response.content.decode()
    source = DataSourceConfig.objects.get(pk=source_id)
    assert source.get_secret("api_key").reveal() == secret and secret not in source.api_key
    # absent keeps the key, "" removes it
    admin_api.patch(f"/api/data-sources/{source_id}", data={"username": "x"}, content_type="application/json")
    assert DataSourceConfig.objects.get(pk=source_id).has_secret("api_key")
    cleared = admin_api.patch(f"/api/data-sources/{source_id}", data={"api_key": ""}, content_type="application/json").json()
    assert cleared["api_key"] is None and cleared["has_api_key"] is False
    # a rejected request does not echo the key either
    bad = admin_api.post("/api/data-sources", content_type="application/json",
                         data={"name": "Bad", "endpoint": "ftp://nope", "api_key": secret})
    assert bad.status_code == 422 and "endpoint" in bad.json()["detail"] and secret not in bad.content.decode()


def test_source_validation_errors_name_the_field(admin_api, world):
    duplicate = admin_api.post("/api/data-sources", content_type="application/json",
                               data={"name": "Type Catalog", "endpoint": "https://x.example/m"})
    assert duplicate.status_code == 409 and "name" in duplicate.json()["detail"]
    degraded = admin_api.patch(f"/api/data-sources/{world['source'].pk}", content_type="application/json",
                               data={"status": "degraded"})
    assert degraded.status_code == 422 and "status" in degraded.json()["detail"]
    blank = admin_api.post("/api/data-sources", content_type="application/json", data={"name": "  "})
    assert blank.status_code == 422 and "name" in blank.json()["detail"]
    off = admin_api.patch(f"/api/data-sources/{world['source'].pk}", content_type="application/json", data={"status": "inactive"})
    assert off.json()["status"] == "inactive"


def test_preview_create_and_update_write_nothing(admin_api, world, django_user_model):
    model = world["model"]
    created = admin_api.post("/api/aircraft-models", data={"name": "Piper J-3 Cub", "manufacturer": "Piper", "preview": True},
                             content_type="application/json")
    assert created.status_code == 200
    assert created.json() == {"preview": True, "action": "create", "id": None, "model": None,
                              "changes": {"name": {"old": None, "new": "Piper J-3 Cub"}, "manufacturer": {"old": None, "new": "Piper"}}}
    assert not AircraftModel.objects.filter(name="Piper J-3 Cub").exists()
    reader = client_with(django_user_model, {"change_aircraftmodel", "view_aircraftmodel"})
    blind = client_with(django_user_model, {"change_aircraftmodel"})
    body = {"name": "Cessna 172S NAV III", "specifications": {"seats": 4}}
    seen = reader.patch(f"/api/aircraft-models/{model.pk}?preview=true", data=body, content_type="application/json").json()
    assert seen["action"] == "update" and seen["preview"] is True
    assert seen["changes"]["name"] == {"old": "Cessna 172S Skyhawk SP", "new": "Cessna 172S NAV III"}
    assert seen["changes"]["specifications"] == {"old": {}, "new": {"seats": 4}}
    unseen = blind.patch(f"/api/aircraft-models/{model.pk}", data={**body, "preview": True}, content_type="application/json").json()
    assert unseen["changes"] == {"name": {"new": "Cessna 172S NAV III"}, "specifications": {"new": {"seats": 4}}}
    assert unseen["model"] is None
    model.refresh_from_db()
    assert model.name == "Cessna 172S Skyhawk SP" and model.specifications == {}
    same = reader.patch(f"/api/aircraft-models/{model.pk}?preview=true", data={"name": model.name},
                        content_type="application/json").json()
    assert same["action"] == "unchanged" and same["changes"] == {}
    # without preview the same request saves, and says what it changed
    applied = reader.patch(f"/api/aircraft-models/{model.pk}", data=body, content_type="application/json").json()
    assert applied["action"] == "updated" and applied["model"]["name"] == "Cessna 172S NAV III"
    blind_applied = blind.patch(f"/api/aircraft-models/{model.pk}", data={"description": "x"}, content_type="application/json").json()
    assert blind_applied["changes"] == {"description": {"new": "x"}} and blind_applied["model"] is None


def test_model_input_errors(admin_api, world):
    no_name = admin_api.post("/api/aircraft-models", data={"manufacturer": "Piper"}, content_type="application/json")
    assert no_name.status_code == 422 and "name" in no_name.json()["detail"]
    half = admin_api.post("/api/aircraft-models", data={"name": "X", "external_id": "x1"}, content_type="application/json")
    assert half.status_code == 422 and "external_data_source" in half.json()["detail"]
    clash = admin_api.post("/api/aircraft-models", content_type="application/json",
                           data={"name": "Dup", "external_id": "cessna-172s", "external_data_source": "Type Catalog"})
    assert clash.status_code == 409
    put = admin_api.put(f"/api/aircraft-models/{world['model'].pk}", data={"manufacturer": "Cessna"}, content_type="application/json")
    assert put.status_code == 422 and "name" in put.json()["detail"]
    assert admin_api.get("/api/aircraft-models/999999").status_code == 404


def test_sync_all_without_sources_is_a_clear_409(admin_api):
    response = admin_api.post("/api/aircraft-model-sync/sync-all")
    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
    assert "No active outbound data source is configured" in response.json()["detail"]


def test_sync_jobs_belong_to_the_requester_and_can_be_polled(admin_api, admin_user, world, drain_jobs):
    started = admin_api.post("/api/aircraft-model-sync/sync-all")
    assert started.status_code == 202
    [job] = started.json()["jobs"]
    assert job["source"] == "Type Catalog" and job["created"] is True
    assert SyncJob.objects.get(pk=job["job_id"]).owner == admin_user
    drain_jobs()
    polled = admin_api.get(f"/api/jobs/{job['job_id']}").json()
    assert polled["status"] == "succeeded"
    assert (polled["result"]["created"], polled["result"]["updated"]) == (29, 1)  # the hand-entered 172S gains its details
    model_sync = admin_api.post(f"/api/aircraft-models/{world['model'].pk}/sync")
    assert model_sync.status_code == 202 and model_sync.json()["source"] == "Type Catalog"
    hand = AircraftModel.objects.create(name="Hand-made")
    refused = admin_api.post(f"/api/aircraft-models/{hand.pk}/sync")
    assert refused.status_code == 422 and "no external source information" in refused.json()["detail"]


def test_logs_errors_status_and_source_preview(admin_api, world, sandbox, drain_jobs):
    sandbox.control({"missing_external_id": 1})
    admin_api.post(f"/api/data-sources/{world['source'].pk}/sync")
    drain_jobs()
    logs = admin_api.get("/api/aircraft-model-sync/logs?page=1").json()
    assert logs["count"] == 31 and len(logs["items"]) == 31
    updated = admin_api.get("/api/aircraft-model-sync/logs?action=updated").json()["items"]
    assert [entry["external_id"] for entry in updated] == ["cessna-172s"]
    assert updated[0]["aircraft_model_name"] == "Cessna 172S Skyhawk SP" and updated[0]["data_source_name"] == "Type Catalog"
    errors = admin_api.get("/api/aircraft-model-sync/errors").json()
    assert len(errors) == 1 and "external_id" in errors[0]["error"] and errors[0]["success"] is False
    status = admin_api.get("/api/aircraft-model-sync/status").json()
    assert status["status"] == "degraded" and status["last_sync_status"] == "partial" and status["connections"] == 1
    assert status["models_with_sync"] == 30
    before = SyncLog.objects.count()
    preview = admin_api.post(f"/api/data-sources/{world['source'].pk}/preview").json()
    assert preview["counts"] == {"create": 0, "update": 0, "unchanged": 30, "failed": 1}
    assert SyncLog.objects.count() == before
    synced = admin_api.get("/api/aircraft-models?synced=true&source=Type+Catalog").json()
    assert synced["count"] == 30 and all(m["has_external_source"] for m in synced["items"])


def test_connection_test_reports_failure_as_data(admin_api, world, sandbox):
    sandbox.control({"fail_5xx": -1})
    result = admin_api.post(f"/api/data-sources/{world['source'].pk}/test").json()
    assert result["ok"] is False and "HTTP 503" in result["message"]
    assert SANDBOX_KEY not in json.dumps(result)


def test_put_replaces_data_but_keeps_the_source_identity(admin_api, world):
    model = world["model"]
    AircraftModel.objects.filter(pk=model.pk).update(description="old text", specifications={"seats": 4})
    body = admin_api.put(f"/api/aircraft-models/{model.pk}", data={"name": "Cessna 172S"}, content_type="application/json").json()
    assert body["action"] == "updated"
    assert set(body["changes"]) == {"name", "manufacturer", "model_number", "description", "specifications"}
    model.refresh_from_db()
    assert (model.description, model.specifications, model.manufacturer) == ("", {}, "")
    assert (model.external_id, model.external_data_source) == ("cessna-172s", "Type Catalog")

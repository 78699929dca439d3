"""The built-in model source "FAA aircraft reference": ACFTREF rows through the model-sync machinery."""

from __future__ import annotations

import pytest

from flightbridge.fleet import runs
from flightbridge.fleet.models import AircraftModel, DataSourceConfig, SourceKind, SyncLog
from flightbridge.logbook.models import UserAircraft
from flightbridge.registry import sample
from flightbridge.registry import services as registry
from flightbridge.registry.models import RegistryModel
from tests.conftest import token_client
from tests.fleet.conftest import grant

pytestmark = pytest.mark.django_db
NAME = "FAA aircraft reference"


@pytest.fixture
def loaded():
    registry.load_registry(sample.SAMPLE_PATH)
    return len(sample.SAMPLE_MODELS)


def _create(api, **body):
    return api.post("/api/data-sources", {"name": NAME, "kind": "faa_reference", **body}, content_type="application/json")


def test_the_faa_source_needs_no_endpoint_nor_key_and_refuses_them(admin_api):
    response = _create(admin_api)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["endpoint"], body["auth_type"], body["api_key"]) == ("faa_reference", "", "none", None)
    refused = admin_api.post("/api/data-sources", {"name": "FAA 2", "kind": "faa_reference",
                                                   "endpoint": "https://models.example/v1"}, content_type="application/json")
    assert refused.status_code == 422 and "endpoint" in refused.json()["detail"]
    patched = admin_api.patch(f"/api/data-sources/{body['id']}", {"api_key": "k"}, content_type="application/json")
    assert patched.status_code == 422 and "api_key" in patched.json()["detail"]
    kind = admin_api.put(f"/api/data-sources/{body['id']}", {"name": NAME, "kind": "http"}, content_type="application/json")
    assert kind.status_code == 409


def test_preview_then_sync_creates_every_acftref_model_with_its_specifications(admin_api, loaded, drain_jobs):
    source_id = _create(admin_api).json()["id"]
    preview = admin_api.post(f"/api/data-sources/{source_id}/preview").json()
    assert preview["counts"] == {"create": loaded, "update": 0, "unchanged": 0, "failed": 0}
    assert AircraftModel.objects.count() == 0 and SyncLog.objects.count() == 0
    assert admin_api.post(f"/api/data-sources/{source_id}/sync").status_code == 202
    drain_jobs()
    assert AircraftModel.objects.filter(external_data_source=NAME).count() == loaded
    king_air = AircraftModel.objects.get(external_data_source=NAME, external_id="0561322")
    assert (king_air.name, king_air.manufacturer, king_air.model_number) == ("BEECH B200", "BEECH", "B200")
    assert king_air.specifications["type_aircraft"] == "Fixed wing multi engine"
    assert king_air.specifications["engine_type"] == "Turbo-prop"
    assert (king_air.specifications["engines"], king_air.specifications["seats"]) == (2, 10)
    assert king_air.specifications["weight_class"] == "CLASS 1"
    assert king_air.specifications["builder_certification"] == "Type certificated"
    source = DataSourceConfig.objects.get(pk=source_id)
    assert (source.status, source.last_sync_status) == ("active", "succeeded")
    assert SyncLog.objects.filter(data_source=source, action="created").count() == loaded
    again = admin_api.post(f"/api/data-sources/{source_id}/preview").json()
    assert again["counts"] == {"create": 0, "update": 0, "unchanged": loaded, "failed": 0}


def test_a_registry_reload_updates_the_models_like_any_source(loaded, tmp_path, user):
    source = DataSourceConfig.objects.create(name=NAME, kind=SourceKind.FAA_REFERENCE, auth_type="none")
    runs.sync_source(source.pk)
    UserAircraft.objects.create(owner=user, registration="N52417")
    # A reload whose ACFTREF renamed one model and added one: the next sync updates and creates.
    files = sample.sample_files()
    lines = list(files["ACFTREF.txt"])
    lines = [line.replace("CESSNA                        ,172S", "CESSNA                        ,172S NAV") for line in lines]
    lines.append(sample.format_line(sample.ACFTREF_COLUMNS, {"CODE": "9990001", "MFR": "NEWCO", "MODEL": "N1",
                                                              "TYPE-ACFT": "6", "TYPE-ENG": "3", "AC-CAT": "1"}))
    files["ACFTREF.txt"] = lines
    registry.load_registry(sample.write_releasable_zip(tmp_path / "reload.zip", files))
    assert RegistryModel.objects.filter(generation__is_current=True).count() == loaded + 1
    assert RegistryModel.objects.count() == loaded + 1  # the old generation's rows went with it
    result = runs.sync_source(source.pk)
    assert (result["created"], result["updated"], result["unchanged"]) == (1, 1, loaded - 1)
    assert AircraftModel.objects.get(external_id="2072738").model_number == "172S NAV"
    assert AircraftModel.objects.get(external_id="9990001").specifications["type_aircraft"] == "Rotorcraft"
    assert "1 of 1 registered aircraft linked" in result["message"]
    assert UserAircraft.objects.get(registration="N52417").aircraft_model.external_id == "2072738"


def test_sync_one_model_and_test_connection(admin_api, loaded, drain_jobs):
    source_id = _create(admin_api).json()["id"]
    check = admin_api.post(f"/api/data-sources/{source_id}/test").json()
    assert check["ok"] is True and check["count"] == loaded
    runs.sync_source(source_id)
    model = AircraftModel.objects.get(external_id="1152018")
    AircraftModel.objects.filter(pk=model.pk).update(name="changed by hand")
    assert admin_api.post(f"/api/aircraft-models/{model.pk}/sync").status_code == 202
    drain_jobs()
    model.refresh_from_db()
    assert model.name == "CIRRUS DESIGN CORP SR22"


def test_without_a_loaded_registry_the_sync_fails_with_a_clear_message(admin_api):
    source_id = _create(admin_api).json()["id"]
    check = admin_api.post(f"/api/data-sources/{source_id}/test").json()
    assert check["ok"] is False and "no" in check["message"] and "registry load" in check["message"]
    preview = admin_api.post(f"/api/data-sources/{source_id}/preview")
    assert preview.status_code >= 400 and "registry load" in preview.json()["detail"]


def test_syncing_the_faa_source_needs_the_model_permissions(user, loaded):
    source = DataSourceConfig.objects.create(name=NAME, kind=SourceKind.FAA_REFERENCE, auth_type="none")
    manager = grant(user, "view_datasourceconfig", "manage_datasourceconfig")
    response = token_client(manager).post(f"/api/data-sources/{source.pk}/sync")
    assert response.status_code == 403 and "update aircraft models" in response.json()["detail"]
    assert AircraftModel.objects.count() == 0

"""The model source sandbox: deterministic models, the documented format, fault switches, the command."""

import socket

import httpx
import pytest

from flightbridge.fleet.sandbox import CATALOG, ModelSourceSandbox, catalog_models
from tests.conftest import wait_for
from tests.fleet.conftest import SANDBOX_KEY

HEADERS = {"X-API-Key": SANDBOX_KEY}


def test_models_are_deterministic_and_realistic():
    first, again = catalog_models(60), catalog_models(60)
    assert first == again
    by_id = {m["external_id"]: m for m in first}
    assert by_id["cessna-172s"]["name"] == "Cessna 172S Skyhawk SP"
    assert by_id["piper-pa-28-181"]["manufacturer"] == "Piper"
    assert by_id["cessna-172s"]["specifications"]["seats"] == 4
    assert len(by_id) == 60  # variants past the catalog keep ids unique
    assert by_id[f"{CATALOG[0][0]}-v1"]["name"] == "Cessna 152 (variant 1)"


def test_serves_the_documented_paged_format(sandbox):
    body = httpx.get(f"{sandbox.url}?page_size=20", headers=HEADERS).json()
    assert set(body) == {"count", "page", "page_size", "next", "results"}
    assert body["count"] == 30 and len(body["results"]) == 20
    second = httpx.get(body["next"], headers=HEADERS).json()
    assert second["next"] is None and len(second["results"]) == 10 and second["page"] == 2
    record = body["results"][1]
    assert set(record) == {"external_id", "name", "manufacturer", "model_number", "description", "specifications",
                           "maintenance_requirements"}


def test_refuses_missing_or_wrong_keys(sandbox):
    assert httpx.get(sandbox.url).status_code == 401
    assert httpx.get(sandbox.url, headers={"X-API-Key": "wrong"}).status_code == 401
    assert httpx.get(sandbox.url, headers={"Authorization": f"Bearer {SANDBOX_KEY}"}).status_code == 401


def test_control_endpoint_switches_faults(sandbox):
    control = f"{sandbox.base_url}/_control"
    assert httpx.post(control, json={"fail_5xx": 2}).json()["faults"]["fail_5xx"] == 2
    assert [httpx.get(sandbox.url, headers=HEADERS).status_code for _ in range(3)] == [503, 503, 200]
    httpx.post(control, json={"bad_json": True})
    with pytest.raises(ValueError):
        httpx.get(sandbox.url, headers=HEADERS).json()
    httpx.post(control, json={"bad_json": False, "missing_external_id": 3})
    body = httpx.get(f"{sandbox.url}?page_size=100", headers=HEADERS).json()
    assert body["count"] == 33
    assert sum(1 for record in body["results"] if "external_id" not in record) == 3
    httpx.post(control, json={"update": {"external_id": "cirrus-sr22", "name": "Cirrus SR22T"}})
    names = {r.get("external_id"): r["name"] for r in httpx.get(f"{sandbox.url}?page_size=100", headers=HEADERS).json()["results"]}
    assert names["cirrus-sr22"] == "Cirrus SR22T"
    assert httpx.post(control, json={"reset": True}).json()["faults"] == {
        "fail_5xx": 0, "bad_json": False, "missing_external_id": 0, "slow": 0.0, "huge_page": 0}
    assert httpx.post(control, content=b"[1]").status_code == 400
    assert httpx.post(sandbox.url, json={}).status_code == 405


def test_refuses_to_start_without_a_key_for_a_keyed_auth_type():
    with pytest.raises(ValueError, match="needs an API key"):
        ModelSourceSandbox(auth_type="bearer", api_key="")


@pytest.mark.multiprocess
def test_command_serves_with_flags(spawn):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    child = spawn("model_source_sandbox", "--port", str(port), "--models", "5", "--auth-type", "bearer",
                  "--missing-external-id", "1", "--quiet", MODEL_SOURCE_SANDBOX_API_KEY="env-key-123")

    def answer():
        try:
            return httpx.get(f"http://127.0.0.1:{port}/models", headers={"Authorization": "Bearer env-key-123"}, timeout=2)
        except httpx.TransportError:
            return None

    response = wait_for(answer, 30, message=f"sandbox to answer; output:\n{child.output()}")
    assert response.status_code == 200 and response.json()["count"] == 6
    assert "env-key-123" not in child.output()

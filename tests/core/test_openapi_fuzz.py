"""schemathesis against /api/openapi.json as an authenticated pilot: no 500s, responses match the schema.

Runs every operation of every app with generated input (valid and invalid); the schema is the contract.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from schemathesis.specs.openapi.checks import positive_data_acceptance

from flightbridge.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: a raw WSGI call must not close the connection holding the test transaction."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db, django_user_model, keep_test_connection):
    from flightbridge.accounts.services import create_token

    django_user_model.objects.create_user(username="fuzz", password="fuzz-password-1")
    _row, token = create_token("fuzz")
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_contract(case, bearer):
    # Semantic checks (a reversed date range, an id that is not yours) rightly reject some schema-valid
    # input with 404/409/422; every other check — no 5xx, documented status codes, content types and
    # response bodies matching the schema, invalid input rejected — applies in full.
    case.call_and_validate(headers=bearer, excluded_checks=[positive_data_acceptance])


# --- As a superuser over the fleet routes (issue 13 item 7) ----------------------------------------------------
# A pilot gets 403 on every fleet route, so the fuzz above never reaches their code. Here an operator
# with every permission fuzzes them, against a data source pointing at the sandbox. Outbound calls are
# confined: no name is resolved (the fuzzer invents host names) and a TCP connect anywhere but the
# sandbox is refused and recorded, so the run can prove nothing left the machine.

fleet_schema = schema.include(path_regex=r"^/api/(aircraft-model|data-sources)")


@pytest.fixture
def confined_outbound(monkeypatch, settings):
    import socket

    import httpcore

    from flightbridge.fleet import client as client_module
    from flightbridge.fleet import outbound
    from flightbridge.fleet.sandbox import ModelSourceSandbox

    attempts: list[tuple[str, int]] = []
    real_connect = httpcore.SyncBackend.connect_tcp
    with ModelSourceSandbox(models=12, api_key="fuzz-sandbox-key") as sandbox:
        def connect_tcp(self, host, port, *args, **kwargs):
            if (host, port) != ("127.0.0.1", sandbox.port):
                attempts.append((host, port))
                raise httpcore.ConnectError("outbound calls are confined to the sandbox in this test")
            return real_connect(self, host, port, *args, **kwargs)

        def no_dns(host, port):
            raise socket.gaierror(socket.EAI_NONAME, "no DNS in this test")

        monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect_tcp)
        monkeypatch.setattr(outbound, "resolve", no_dns)
        monkeypatch.setattr(client_module, "RETRY_DELAYS", ())
        settings.FLIGHTBRIDGE_SOURCE_ALLOWLIST = ["127.0.0.1"]
        yield sandbox, attempts


@pytest.fixture
def superuser_bearer(db, django_user_model, keep_test_connection, confined_outbound):
    from flightbridge.accounts.services import create_token
    from flightbridge.fleet.models import AircraftModel, DataSourceConfig

    sandbox, _attempts = confined_outbound
    django_user_model.objects.create_superuser(username="operator", email="op@example.org", password="operator-password-1")
    source = DataSourceConfig(name="Sandbox", endpoint=sandbox.url)
    source.set_secret("api_key", "fuzz-sandbox-key")
    source.save()
    AircraftModel.objects.create(name="Cessna 172S", external_id="c172s", external_data_source="Sandbox")
    _row, token = create_token("operator")
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.django_db
@fleet_schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_fleet_api_contract_as_superuser(case, superuser_bearer, confined_outbound):
    case.call_and_validate(headers=superuser_bearer, excluded_checks=[positive_data_acceptance])
    # Whatever endpoint the fuzzer saved, the SSRF guard let only public addresses (refused here, never
    # dialled) or the allowlisted sandbox reach a connect: no private, loopback or link-local address.
    import ipaddress

    from flightbridge.fleet.outbound import address_kind

    _sandbox, attempts = confined_outbound
    assert [host for host, _port in attempts if address_kind(ipaddress.ip_address(host)) is not None] == []

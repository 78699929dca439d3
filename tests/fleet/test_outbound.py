"""The SSRF guard on data sources (issue 13 item 3): refused when saved, refused again at connect time.

Every address form the issue probed is refused on save with a 422 naming the address; a name that
resolves to a private address is refused (the resolver is faked); the allowlist opens exactly what it
names; at connect time the vetted address is the one connected to (a name that changes its answer
gains nothing); redirects are not followed; "Test connection" gives up after its short timeout and
answers the same for an open and a closed port on a refused address.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from flightbridge.fleet import client as client_module
from flightbridge.fleet import outbound
from flightbridge.fleet.client import ModelSourceClient
from flightbridge.fleet.models import DataSourceConfig
from flightbridge.fleet.sources import check_source_connection
from tests.fleet.conftest import make_source

pytestmark = pytest.mark.django_db

FORMS = [  # (endpoint, the address the message must name, its kind)
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "link-local"),
    ("http://0x7f000001/models", "127.0.0.1", "loopback"),
    ("http://2130706433/models", "127.0.0.1", "loopback"),
    ("http://0177.0.0.1/models", "127.0.0.1", "loopback"),
    ("http://127.1/models", "127.0.0.1", "loopback"),
    ("http://[::1]:8080/models", "::1", "loopback"),
    ("http://[::ffff:127.0.0.1]/models", "::ffff:7f00:1", "loopback"),
    ("http://[::ffff:169.254.169.254]/", "::ffff:a9fe:a9fe", "link-local"),
    ("http://localhost:6379/", "127.0.0.1", "loopback"),
    ("http://10.1.2.3/models", "10.1.2.3", "private"),
    ("http://192.168.0.10/models", "192.168.0.10", "private"),
    ("http://100.64.0.1/models", "100.64.0.1", "non-public"),
    ("http://0.0.0.0:8000/models", "0.0.0.0", "unspecified"),
    ("http://[fe80::1]/models", "fe80::1", "link-local"),
    ("http://[fd00::5]/models", "fd00::5", "private"),
    ("http://224.0.0.1/models", "224.0.0.1", "multicast"),
    ("http://240.0.0.1/models", "240.0.0.1", "reserved"),
]


@pytest.fixture
def nothing_allowed(settings):
    settings.FLIGHTBRIDGE_SOURCE_ALLOWLIST = []


@pytest.fixture
def fake_dns(monkeypatch):
    answers: dict[str, list[str]] = {}

    def resolve(host, port):
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(address) for address in answers[host]]

    monkeypatch.setattr(outbound, "resolve", resolve)
    return answers


@pytest.mark.parametrize("endpoint,address,kind", FORMS)
def test_every_address_form_is_refused_on_save_naming_the_address(admin_api, nothing_allowed, endpoint, address, kind):
    response = admin_api.post("/api/data-sources", content_type="application/json",
                              data={"name": "Probe", "endpoint": endpoint})
    assert response.status_code == 422, response.content
    problem = response.json()
    assert f"({address})" in problem["detail"] or f"host {address} " in problem["detail"]
    assert f"a {kind} address" in problem["detail"]
    assert "FLIGHTBRIDGE_SOURCE_ALLOWLIST" in problem["detail"]
    assert problem["errors"][0]["field"] == "endpoint"
    assert not DataSourceConfig.objects.filter(name="Probe").exists()


def test_an_update_to_a_private_endpoint_is_refused_and_the_old_one_kept(admin_api, nothing_allowed):
    source = make_source("Catalog", "https://models.example/v1")
    response = admin_api.patch(f"/api/data-sources/{source.pk}", content_type="application/json",
                               data={"endpoint": "http://169.254.169.254/"})
    assert response.status_code == 422 and "169.254.169.254" in response.json()["detail"]
    source.refresh_from_db()
    assert source.endpoint == "https://models.example/v1"


def test_a_name_resolving_to_a_private_address_is_refused(admin_api, nothing_allowed, fake_dns):
    fake_dns["models.corp.example"] = ["93.184.215.14", "10.0.0.7"]  # one public answer does not launder a private one
    response = admin_api.post("/api/data-sources", content_type="application/json",
                              data={"name": "Corp", "endpoint": "https://models.corp.example/v1"})
    assert response.status_code == 422
    assert "models.corp.example (10.0.0.7) is a private address" in response.json()["detail"]
    fake_dns["models.public.example"] = ["93.184.215.14"]
    assert admin_api.post("/api/data-sources", content_type="application/json",
                          data={"name": "Public", "endpoint": "https://models.public.example/v1"}).status_code == 201


def test_the_admin_form_refuses_it_too(admin_user, nothing_allowed):
    from django.core.exceptions import ValidationError

    source = DataSourceConfig(name="Admin-made", endpoint="http://[::1]/models")
    with pytest.raises(ValidationError) as caught:
        source.clean()
    assert "::1 is a loopback address" in caught.value.message_dict["endpoint"][0]


def test_the_allowlist_opens_exactly_what_it_names(admin_api, settings, fake_dns):
    settings.FLIGHTBRIDGE_SOURCE_ALLOWLIST = ["10.20.0.0/16", "models.intranet", "127.0.0.1"]
    fake_dns["models.intranet"] = ["192.168.7.7"]
    for name, endpoint in (("A", "http://10.20.3.4/m"), ("B", "http://models.intranet/m"), ("C", "http://127.0.0.1:9/m"),
                           ("D", "http://[::ffff:10.20.0.9]/m")):
        response = admin_api.post("/api/data-sources", content_type="application/json", data={"name": name, "endpoint": endpoint})
        assert response.status_code == 201, (endpoint, response.content)
    for name, endpoint in (("E", "http://10.21.0.1/m"), ("F", "http://127.0.0.2/m"), ("G", "http://169.254.169.254/")):
        response = admin_api.post("/api/data-sources", content_type="application/json", data={"name": name, "endpoint": endpoint})
        assert response.status_code == 422, endpoint


def test_a_name_that_rebinds_after_the_save_is_refused_at_connect_time(nothing_allowed, fake_dns, monkeypatch):
    fake_dns["rebind.example"] = ["93.184.215.14"]
    outbound.check_endpoint("http://rebind.example/models")  # saved: it looked public
    fake_dns["rebind.example"] = ["127.0.0.1"]  # then the attacker's DNS answers loopback
    connects = []
    monkeypatch.setattr(outbound.httpcore.SyncBackend, "connect_tcp",
                        lambda self, host, port, **kw: connects.append((host, port)) or (_ for _ in ()).throw(AssertionError))
    with ModelSourceClient("http://rebind.example/models", auth_type="none", source_name="Rebind") as client:
        check = client.test_connection()
    assert not check.ok
    assert "rebind.example (127.0.0.1) is a loopback address" in check.message
    assert connects == []  # nothing was dialled


def test_the_connect_goes_to_the_vetted_address_with_the_name_kept_for_the_host_header(settings, fake_dns, sandbox):
    # The sandbox listens on 127.0.0.1 (allowlisted in the test settings); a name resolving there must be
    # dialled at that address while the request still says Host: <the name>.
    fake_dns["catalog.test"] = ["127.0.0.1"]
    settings.FLIGHTBRIDGE_SOURCE_ALLOWLIST = ["127.0.0.1"]
    url = sandbox.url.replace("127.0.0.1", "catalog.test")
    seen_hosts = []
    transport = outbound.PinnedTransport()
    original = transport.handle_request

    def spy(request):
        seen_hosts.append(request.headers["Host"])
        return original(request)

    transport.handle_request = spy
    with ModelSourceClient(url, auth_type="api_key", api_key=_secret(), source_name="Named", transport=transport) as client:
        check = client.test_connection()
    assert check.ok, check.message
    assert seen_hosts == [f"catalog.test:{sandbox.port}"]


def _secret():
    from flightbridge.vault.services import Secret
    from tests.fleet.conftest import SANDBOX_KEY

    return Secret(SANDBOX_KEY)


class _Redirecting(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        _Redirecting.hits.append(self.path)
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def redirecting_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Redirecting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_redirects_are_not_followed(redirecting_server):
    _Redirecting.hits.clear()
    port = redirecting_server.server_address[1]
    source = make_source("Redirector", f"http://127.0.0.1:{port}/models", api_key=None, auth_type="none")
    check = check_source_connection(source)
    assert not check.ok
    assert "answered HTTP 302" in check.message and "redirects" in check.message
    assert _Redirecting.hits == ["/models?page_size=5"]  # one request, the Location never fetched


@pytest.fixture
def silent_server():
    """Accepts connections and never answers: the hanging endpoint of the issue."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener
    listener.close()


def test_test_connection_gives_up_after_its_short_timeout_without_retrying(silent_server, monkeypatch):
    assert client_module.TEST_TIMEOUT_SECONDS == 5.0
    monkeypatch.setattr(client_module, "TEST_TIMEOUT_SECONDS", 0.3)
    monkeypatch.setattr("flightbridge.fleet.sources.TEST_TIMEOUT_SECONDS", 0.3)
    monkeypatch.setattr(client_module, "RETRY_DELAYS", (60.0, 60.0))  # a retry would hang the test: there is none
    port = silent_server.getsockname()[1]
    source = make_source("Hanging", f"http://127.0.0.1:{port}/models", api_key=None, auth_type="none")
    check = check_source_connection(source)
    assert not check.ok
    assert check.message == "Data source 'Hanging' did not answer in time (page 1)."


def test_test_connection_cannot_tell_open_from_closed_ports_on_a_refused_address(nothing_allowed, silent_server):
    open_port = silent_server.getsockname()[1]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    messages = []
    for port in (open_port, closed_port):
        source = DataSourceConfig(name="Scan", endpoint=f"http://127.0.0.1:{port}/", auth_type="none")
        messages.append(check_source_connection(source).message)
    assert messages[0] == messages[1]
    assert messages[0].startswith("The endpoint's host 127.0.0.1 is a loopback address")


# --- issue 13 item 5 at this edge: a lone surrogate in a remote record ---------------------------------------


def test_a_lone_surrogate_in_a_remote_record_is_refused_and_the_admin_pages_keep_working(sandbox, admin_user):
    from django.test import Client

    from flightbridge.fleet import runs
    from flightbridge.fleet.models import AircraftModel, SyncLog

    sandbox.add_model({"external_id": "bad-one", "name": "Half a pair \ud800", "manufacturer": "X"})
    source = make_source("Surrogates", sandbox.url)
    result = runs.sync_source(source.pk)
    assert result["failed"] == 1 and result["created"] == 30
    failure = SyncLog.objects.get(data_source=source, success=False)
    assert failure.external_id == "bad-one"
    assert failure.error == "record Surrogates #31 field name: contains text that is not valid Unicode (a lone surrogate)"
    assert not AircraftModel.objects.filter(external_id="bad-one").exists()
    browser = Client()
    browser.force_login(admin_user)
    for path in ("/admin/fleet/aircraftmodel/", "/admin/fleet/synclog/", f"/admin/fleet/synclog/{failure.pk}/change/",
                 "/fleet/sync/"):
        assert browser.get(path).status_code == 200, path


def test_the_demo_opens_exactly_its_own_sandbox_address_keeping_the_operators_list(admin_user, tmp_path, monkeypatch):
    from pathlib import Path

    from flightbridge.fleet import demo
    from flightbridge.web.management.commands.demo import DemoContext

    monkeypatch.setenv("FLIGHTBRIDGE_SOURCE_ALLOWLIST", "models.intranet,10.20.0.0/16")
    context = DemoContext(host="127.0.0.1", port=8000, data_dir=Path(tmp_path), pilot=admin_user)
    demo.prepare(context)
    assert context.env["FLIGHTBRIDGE_SOURCE_ALLOWLIST"] == "models.intranet,10.20.0.0/16,127.0.0.1"
    endpoint = DataSourceConfig.objects.get(name=demo.DEMO_SOURCE_NAME).endpoint
    assert endpoint.startswith("http://127.0.0.1:")

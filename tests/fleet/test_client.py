"""The model source client against its fake twin: auth per type, paging, faults, no stray credentials."""

import httpx
import pytest

from flightbridge.errors import FatalError, NeedsReauth, TransientError
from flightbridge.fleet.client import ModelSourceClient
from flightbridge.vault.services import Secret
from tests.fleet.conftest import SANDBOX_KEY


def client_for(sandbox, auth_type="api_key", key=SANDBOX_KEY, **kwargs):
    return ModelSourceClient(sandbox.url, auth_type=auth_type, api_key=Secret(key) if key else None,
                             source_name="Catalog", **kwargs)


@pytest.mark.parametrize("auth_type, username", [("api_key", ""), ("bearer", ""), ("basic", "ops")])
def test_each_auth_type_presents_the_key_its_way(make_sandbox, auth_type, username):
    sandbox = make_sandbox(models=3, auth_type=auth_type, username=username)
    with ModelSourceClient(sandbox.url, auth_type=auth_type, api_key=Secret(SANDBOX_KEY), username=username) as client:
        assert [r["external_id"] for page in client.iter_pages() for r in page.records] == [
            "cessna-152", "cessna-172s", "cessna-182t"]
    with ModelSourceClient(sandbox.url, auth_type=auth_type, api_key=Secret("wrong-key"), username=username) as client:
        with pytest.raises(NeedsReauth, match="HTTP 401"):
            list(client.iter_pages())
    other = {"api_key": "bearer", "bearer": "api_key", "basic": "bearer"}[auth_type]
    with ModelSourceClient(sandbox.url, auth_type=other, api_key=Secret(SANDBOX_KEY), username=username) as client:
        with pytest.raises(NeedsReauth):
            list(client.iter_pages())


def test_auth_none_sends_no_credentials(make_sandbox):
    sandbox = make_sandbox(models=2, auth_type="none")
    with ModelSourceClient(sandbox.url, auth_type="none") as client:
        assert len(next(client.iter_pages()).records) == 2
    assert sandbox.state.seen_credentials == []


@pytest.mark.parametrize("auth_type", ["api_key", "bearer", "basic"])
def test_a_key_is_required_where_the_auth_type_needs_one(sandbox, auth_type):
    with pytest.raises(FatalError, match="has no API key configured") as caught:
        ModelSourceClient(sandbox.url, auth_type=auth_type, api_key=None, source_name="Catalog")
    assert "own" in str(caught.value)


def test_follows_next_links_over_every_page(make_sandbox):
    sandbox = make_sandbox(models=25)
    with client_for(sandbox) as client:
        pages = list(client.iter_pages(page_size=10))
    assert [len(page.records) for page in pages] == [10, 10, 5]
    assert pages[0].count == 25
    ids = [r["external_id"] for page in pages for r in page.records]
    assert len(set(ids)) == 25 and ids[24] == "cessna-152-v1"


def test_fetch_record_filters_by_external_id(sandbox):
    with client_for(sandbox) as client:
        assert client.fetch_record("piper-pa-28-181")["name"] == "Piper PA-28-181 Archer III"
        assert client.fetch_record("no-such-model") is None


def test_5xx_is_retried_then_transient(sandbox):
    sandbox.control({"fail_5xx": 1})
    with client_for(sandbox) as client:
        assert len(next(client.iter_pages()).records) == 30  # one 503, then the retry succeeds
    sandbox.control({"fail_5xx": -1})
    with client_for(sandbox) as client:
        with pytest.raises(TransientError, match="HTTP 503"):
            list(client.iter_pages())
    assert sandbox.state.requests == 2 + 3


def test_bad_json_and_wrong_shape_are_fatal(sandbox):
    sandbox.control({"bad_json": True})
    with client_for(sandbox) as client, pytest.raises(FatalError, match="did not return valid JSON"):
        list(client.iter_pages())

    def wrong_shape(request):
        return httpx.Response(200, json={"models": []})

    client = ModelSourceClient("https://models.example/feed", auth_type="none", transport=httpx.MockTransport(wrong_shape))
    with pytest.raises(FatalError, match="without a results list"):
        list(client.iter_pages())


def test_slow_source_times_out_as_transient(sandbox):
    sandbox.control({"slow": 0.5})
    with client_for(sandbox, timeout=0.1) as client, pytest.raises(TransientError, match="did not answer in time"):
        list(client.iter_pages())


def test_never_follows_next_to_another_origin_with_the_key():
    seen = []

    def handler(request):
        seen.append(str(request.url))
        return httpx.Response(200, json={"results": [], "next": "https://elsewhere.example/steal"})

    client = ModelSourceClient("https://models.example/feed", auth_type="bearer", api_key=Secret("k-123"),
                               transport=httpx.MockTransport(handler))
    with pytest.raises(FatalError, match="another site"):
        list(client.iter_pages())
    assert all(url.startswith("https://models.example/") for url in seen)


def test_looping_next_link_is_refused():
    def handler(request):
        return httpx.Response(200, json={"results": [], "next": str(request.url)})

    client = ModelSourceClient("https://models.example/feed", auth_type="none", transport=httpx.MockTransport(handler))
    with pytest.raises(FatalError, match="loops back"):
        list(client.iter_pages())


def test_connection_check_reports_in_words(sandbox):
    with client_for(sandbox) as client:
        check = client.test_connection()
    assert check.ok and check.count == 30 and check.sample[0] == "cessna-152"
    assert "30 aircraft model(s) available" in check.message
    with client_for(sandbox, key="nope") as client:
        failed = client.test_connection()
    assert not failed.ok and "refused the connection's credentials" in failed.message


def test_repr_and_errors_never_show_the_key(sandbox):
    client = client_for(sandbox, key="wrong-secret-value")
    assert "wrong-secret-value" not in repr(client)
    with pytest.raises(NeedsReauth) as caught:
        list(client.iter_pages())
    assert "wrong-secret-value" not in str(caught.value)

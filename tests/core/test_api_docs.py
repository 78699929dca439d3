"""/api/openapi.json is strict JSON (no key twice, anywhere) and /api/docs renders it in chromium.

Swagger UI refuses a schema with a duplicated key ("Parser error: duplicated mapping key"); Python's
json module silently keeps the last one, so the schema is read here with a hook that refuses them.
The page's assets must come from the installed django-ninja package: tests have no internet, and a
Content-Security-Policy allows only our own origin.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from tests.conftest import log_in


class DuplicateKey(ValueError):
    pass


def refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(f"key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def strict_loads(text: str) -> dict:
    return json.loads(text, object_pairs_hook=refuse_duplicate_keys)


def test_the_strict_reader_refuses_a_duplicated_key():
    with pytest.raises(DuplicateKey, match="'503'"):
        strict_loads('{"responses": {"200": {}, "503": {}, "503": {}}}')
    assert strict_loads('{"a": {"b": 1}, "c": [{"b": 2}]}') == {"a": {"b": 1}, "c": [{"b": 2}]}


@pytest.mark.django_db
def test_openapi_json_has_no_duplicated_key_and_health_documents_503_once(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = strict_loads(response.content.decode())
    health = schema["paths"]["/api/health"]["get"]["responses"]
    # The route's own 503 (the database is down) is kept, not replaced by the generic one.
    assert health["503"]["content"]["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert set(health) >= {"200", "503", "500"}
    assert all(isinstance(status, str) for path in schema["paths"].values() for op in path.values()
               for status in op["responses"])


@pytest.mark.django_db(transaction=True)
@pytest.mark.browser
def test_api_docs_render_in_chromium_from_packaged_assets(live_server, browser_page, django_user_model):
    django_user_model.objects.create_user(username="pilot", password="pilot-password-1")
    page = browser_page
    console_errors: list[str] = []
    foreign_requests: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    own_host = urlsplit(live_server.url).netloc
    page.on("request", lambda request: foreign_requests.append(request.url)
            if urlsplit(request.url).scheme in ("http", "https") and urlsplit(request.url).netloc != own_host else None)

    log_in(page, live_server, "pilot", "pilot-password-1")
    console_errors.clear()  # only what the docs page itself does counts here
    page.goto(f"{live_server.url}/api/docs")
    page.wait_for_selector(".opblock-summary-path")
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("FlightBridge API")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/health" in paths and "/api/flights" in paths
    assert page.get_by_text("Parser error").count() == 0
    assert page.locator(".errors-wrapper").count() == 0
    assert console_errors == []
    assert foreign_requests == []
    scripts = page.eval_on_selector_all("script[src]", "nodes => nodes.map(n => n.getAttribute('src'))")
    assert scripts and all(src.startswith("/static/ninja/") for src in scripts)

"""Every /api/ route answers 401 to a stranger (except the health check and the OAuth browser hops)."""

import re

import pytest
from django.test import Client

from flightbridge.api import api

PUBLIC = {
    ("get", "/api/health"),
    # The OAuth callback is reached by the browser coming back from MyFlightbook; it authenticates by
    # its single-use state and the session, and answers with a redirect to a page, never data.
    ("get", "/api/integrations/myflightbook/callback"),
}


def operations():
    schema = api.get_openapi_schema()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, operation


@pytest.mark.django_db
@pytest.mark.parametrize("method, path", [(m, p) for m, p, _ in operations() if (m, p) not in PUBLIC])
def test_route_refuses_strangers(method, path):
    url = re.sub(r"\{[^}]+\}", "1", path)
    response = getattr(Client(), method)(url, content_type="application/json", data="{}" if method != "get" else None)
    assert response.status_code == 401, f"{method.upper()} {path} answered {response.status_code} without credentials"
    assert response["Content-Type"] == "application/problem+json"


def test_every_route_but_the_public_ones_declares_security():
    for method, path, operation in operations():
        if (method, path) in PUBLIC:
            continue
        assert operation.get("security"), f"{method.upper()} {path} has no security in the OpenAPI schema"

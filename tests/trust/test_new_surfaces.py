"""Issue 22: the new surfaces probed as an attacker would, each finding reproduced and refused.

Exports, CSV reading and staged uploads have their own tests (tests/logger/test_api.py,
tests/interchange/test_reading.py, tests/core/test_staging.py, tests/core/test_heavy_requests.py); here
are the findings about the server as a whole.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

from flightbridge.accounts.services import create_token


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_gets_411_not_a_misleading_422(live_server, user):
    """A real HTTP server hands Django a chunked body with no Content-Length; Django read it as empty and the
    route answered 422 "body: Field required"."""
    _row, token = create_token(user.username)
    address = urlsplit(live_server.url)
    for path, content_type in (("/api/imports/logger", "application/json"), ("/logbook/import/logger/", "text/plain")):
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        body = iter([json.dumps({"link": "loggerapp://import/add?package=%7B%7D"}).encode()])
        connection.request("POST", path, body=body, encode_chunked=True,
                           headers={"Authorization": f"Bearer {token}", "Content-Type": content_type,
                                    "Transfer-Encoding": "chunked", "Host": address.netloc})
        response = connection.getresponse()
        text = response.read().decode()
        connection.close()
        assert response.status == 411, (path, response.status, text[:300])
        assert "Content-Length" in text and "chunked" in text
        if path.startswith("/api/"):
            assert response.getheader("Content-Type") == "application/problem+json"
            assert json.loads(text)["title"] == "Length required"

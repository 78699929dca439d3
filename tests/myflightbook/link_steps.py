"""The pilot's steps through linking MyFlightbook, over real HTTP against the sandbox: start at our
authorize route, approve or deny on the sandbox's consent page, land back on our callback."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from django.contrib.messages import get_messages

CALLBACK = "/api/integrations/myflightbook/callback"


def consent(sandbox, authorize_location: str, decision: str = "approve") -> str:
    """Play the pilot on the sandbox's consent page over HTTP; returns the local callback path + query."""
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize_location).query).items()}
    page = httpx.get(authorize_location)
    assert page.status_code == 200 and "id='approve'" in page.text
    answer = httpx.post(sandbox.url + "/logbook/mvc/oAuth/CommitAuth", data={**query, "decision": decision})
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["location"])
    assert f"{callback.scheme}://{callback.netloc}{callback.path}" == "http://127.0.0.1:8000" + CALLBACK
    return f"{callback.path}?{callback.query}"


def start(browser) -> str:
    response = browser.get("/api/integrations/myflightbook/authorize")
    assert response.status_code == 302
    return response["Location"]


def connect(browser, sandbox, decision: str = "approve"):
    callback = consent(sandbox, start(browser), decision)
    return browser.get(callback), callback


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]



def token_grants(sandbox, grant_type):
    return [r for r in sandbox.state.token_requests if r["grant_type"] == grant_type]

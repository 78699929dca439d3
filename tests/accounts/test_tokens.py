import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django.test import Client

from flightbridge.accounts.models import ApiToken
from flightbridge.logbook.models import Flight

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def test_token_create_list_revoke_through_the_command(user):
    token = run("token", "create", "alice", "--name", "laptop")
    assert token.startswith("fb_")
    row = ApiToken.objects.get()
    assert token not in (row.digest, row.prefix) and len(row.digest) == 64  # stored hashed only
    listing = run("token", "list")
    assert row.prefix in listing and "alice" in listing and "laptop" in listing and "active" in listing
    assert token not in listing
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/flights").status_code == 200
    assert "revoked" in run("token", "revoke", row.prefix)
    assert client.get("/api/flights").status_code == 401
    with pytest.raises(CommandError, match="no user named"):
        run("token", "create", "nobody")


def test_no_or_bad_token_is_401_problem_details(user):
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer fb_nope_nope"}, {"HTTP_AUTHORIZATION": "Basic YTpi"}):
        response = Client(**headers).get("/api/flights")
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == 401 and "token" in body["detail"]


def test_other_users_flight_is_404(api, other_user, user):
    theirs = Flight.objects.create(owner=other_user, date=date(2024, 5, 1), total_flight_time=Decimal("1.2"))
    mine = Flight.objects.create(owner=user, date=date(2024, 5, 2), total_flight_time=Decimal("2.5"))
    assert api.get(f"/api/flights/{mine.pk}").json()["total_flight_time"] == "2.50"
    response = api.get(f"/api/flights/{theirs.pk}")
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"
    assert [item["id"] for item in api.get("/api/flights").json()["items"]] == [mine.pk]


def test_session_login_works_for_the_api(user):
    client = Client()
    # django-axes counts every login against a request; the test client's login has none of its own.
    assert client.login(request=HttpRequest(), username="alice", password="alice-password-1")
    assert client.get("/api/flights").status_code == 200

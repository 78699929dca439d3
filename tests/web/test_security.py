"""The Content-Security-Policy on every page (issue 13, item 8), the favicon, and the styled error pages."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from flightbridge.logbook.models import Flight

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "flightbridge"


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in header.split("; ")}


def test_every_page_sends_a_policy_that_allows_no_inline_script(client, admin_user):
    flight = Flight.objects.create(owner=admin_user, date=date(2024, 3, 9), departure="KPAO", total_flight_time=Decimal("1"))
    anonymous = ["/accounts/login/", "/api/docs", "/api/openapi.json", "/favicon.ico", "/logbook/"]
    for url in anonymous:
        rules = policy(Client().get(url))
        assert rules["script-src"] == "'self'" and rules["object-src"] == "'none'", url
    client.force_login(admin_user)
    for url in ("/logbook/", f"/logbook/flights/{flight.pk}", "/logbook/imports/", "/logbook/export/logger",
                "/logbook/import/logger", "/fleet/sync/", "/admin/", "/logbook/no-such-page/", "/api/flights"):
        response = client.get(url)
        rules = policy(response)
        assert rules["script-src"] == "'self'", url
        assert "unsafe-inline" not in response["Content-Security-Policy"], url
        assert rules["frame-ancestors"] == "'none'" and rules["base-uri"] == "'none'", url


def test_no_template_carries_inline_script_handlers_or_styles():
    offenders = []
    for template in SRC.glob("*/templates/**/*.html"):
        text = template.read_text()
        for needle in ("<script>", "onclick=", "onsubmit=", "onload=", "style=\"", "<style"):
            if needle in text:
                offenders.append(f"{template.relative_to(SRC)}: {needle}")
    assert offenders == []


def test_the_favicon_is_served_and_linked(client, user):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"] == "/static/flightbridge/favicon.svg"
    client.force_login(user)
    assert '<link rel="icon" href="/static/flightbridge/favicon.svg" type="image/svg+xml">' in client.get("/logbook/").content.decode()


def test_a_missing_page_is_styled_and_a_missing_api_route_stays_json(client, user):
    client.force_login(user)
    page = client.get("/logbook/nowhere/")
    html = page.content.decode()
    assert page.status_code == 404 and "<h1>Page not found</h1>" in html and 'href="/logbook/">Logbook</a>' in html
    api = client.get("/api/nowhere")
    assert api.status_code == 404 and api["Content-Type"].startswith("application/problem+json")


def test_another_pilots_flight_page_is_not_found(client, user, other_user):
    flight = Flight.objects.create(owner=other_user, date=date(2024, 3, 9), total_flight_time=Decimal("1"))
    client.force_login(user)
    assert client.get(f"/logbook/flights/{flight.pk}").status_code == 404
    assert client.post(f"/logbook/flights/{flight.pk}", {"pic": "1"}).status_code == 404


def test_a_server_error_shows_the_styled_page(settings):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "<h1>Something went wrong</h1>" in html and "/static/flightbridge/app.css" in html
    assert "Log out" not in html  # no user, no request: the page must render without them

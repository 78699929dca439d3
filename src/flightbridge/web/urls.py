from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django.templatetags.static import static

from flightbridge.web import aircraft_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("metrics", views.metrics_page, name="metrics"),
    path("logbook/", views.logbook, name="logbook"),
    re_path(r"^logbook/flights/(?P<flight_id>[0-9]{1,18})/?$", views.flight, name="flight"),
    path("logbook/imports/", views.imports, name="imports"),
    path("logbook/aircraft/", aircraft_views.aircraft_list, name="aircraft"),
    path("logbook/aircraft/add/", aircraft_views.add_aircraft, name="aircraft-add"),
    re_path(r"^logbook/aircraft/(?P<aircraft_id>[0-9]{1,18})/$", aircraft_views.aircraft_detail, name="aircraft-detail"),
    re_path(r"^logbook/aircraft/(?P<aircraft_id>[0-9]{1,18})/change/$", aircraft_views.change_aircraft, name="aircraft-change"),
    path("logbook/currency/", views.currency, name="currency"),
    path("logbook/currency/feed/", views.currency_feed_change, name="currency-feed-change"),
    # The private calendar feed: the token is the key (docs/currency.md); anything else is a 404.
    re_path(r"^calendar/currency/(?P<token>[A-Za-z0-9_-]{20,100})\.ics$", views.currency_calendar, name="currency-feed"),
    path("logbook/flights/new", views.log_flight, name="log-flight"),
    path("logbook/check/", views.flight_check, name="flight-check"),
    path("settings/", views.pilot_settings, name="settings"),
    # Browsers ask for /favicon.ico whatever the page links; answer with the icon, not a 404.
    path("favicon.ico", RedirectView.as_view(url=static("flightbridge/favicon.svg"), permanent=True)),
    path("logbook/imports/<int:import_id>/revert/", views.revert_import, name="revert-import"),
]

# Apps with pages of their own (fleet sync, Logger export and import, logbook files, the MyFlightbook card's forms).
urlpatterns += [
    path("", include("flightbridge.myflightbook.urls")),
    path("", include("flightbridge.fleet.urls")),
    path("", include("flightbridge.logger.urls")),
    path("", include("flightbridge.interchange.urls")),
]

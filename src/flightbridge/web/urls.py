from django.urls import include, path

from flightbridge.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("metrics", views.metrics_page, name="metrics"),
    path("logbook/", views.logbook, name="logbook"),
    path("logbook/imports/", views.imports, name="imports"),
    path("logbook/imports/<int:import_id>/revert/", views.revert_import, name="revert-import"),
]

# Apps with pages of their own (fleet sync, Logger export and import, the MyFlightbook card's forms).
urlpatterns += [
    path("", include("flightbridge.myflightbook.urls")),
    path("", include("flightbridge.fleet.urls")),
    path("", include("flightbridge.logger.urls")),
]

import importlib

from django.urls import include, path

from flightbridge.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("logbook/", views.logbook, name="logbook"),
    path("logbook/imports/", views.imports, name="imports"),
    path("logbook/imports/<int:import_id>/revert/", views.revert_import, name="revert-import"),
]

# Apps with pages of their own (fleet sync, Logger export, …) expose `flightbridge.<app>.urls`.
for _app in ("myflightbook", "registry", "fleet", "logger"):
    try:
        importlib.import_module(f"flightbridge.{_app}.urls")
    except ModuleNotFoundError as exc:
        if exc.name != f"flightbridge.{_app}.urls":
            raise
        continue
    urlpatterns.append(path("", include(f"flightbridge.{_app}.urls")))

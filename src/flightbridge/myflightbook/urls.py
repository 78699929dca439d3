from django.urls import path

from flightbridge.myflightbook import views

urlpatterns = [
    path("logbook/myflightbook/disconnect/", views.disconnect, name="myflightbook-disconnect"),
    path("logbook/imports/<int:import_id>/take-myflightbook/", views.take_myflightbook, name="take-myflightbook"),
    path("fleet/myflightbook/", views.fleet_page, name="myflightbook-fleet"),
]

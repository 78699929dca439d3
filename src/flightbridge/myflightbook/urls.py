from django.urls import path

from flightbridge.myflightbook import views

urlpatterns = [
    path("logbook/myflightbook/disconnect/", views.disconnect, name="myflightbook-disconnect"),
    path("fleet/myflightbook/", views.fleet_page, name="myflightbook-fleet"),
]

from django.urls import path

from flightbridge.fleet import views

urlpatterns = [
    path("fleet/sync/", views.sync_page, name="fleet-sync"),
]

from django.urls import path

from flightbridge.fleet import views

urlpatterns = [
    path("fleet/sync/", views.sync_page, name="fleet-sync"),
    path("fleet/sources/new", views.source_form, name="fleet-source-new"),
    path("fleet/sources/<int:source_id>/edit", views.source_form, name="fleet-source-edit"),
    path("fleet/sources/<int:source_id>/preview", views.source_preview, name="fleet-source-preview"),
]

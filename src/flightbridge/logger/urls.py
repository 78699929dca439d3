from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^logbook/export/logger/?$", views.export_page, name="logger-export"),
    re_path(r"^logbook/import/logger/?$", views.import_page, name="logger-import"),
]

from django.urls import re_path

from . import views

urlpatterns = [
    re_path(r"^logbook/export/csv/?$", views.export_page, name="csv-export"),
    re_path(r"^logbook/import/csv/?$", views.import_page, name="csv-import"),
]

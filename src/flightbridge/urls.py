from django.contrib import admin
from django.urls import include, path

from flightbridge.api import api

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("flightbridge.web.urls")),
]


def api_aware_not_found(request, exception=None):
    """Under /api/ even a URL that matches no route answers in problem-details JSON, as the schema promises."""
    if request.path.startswith("/api/"):
        from flightbridge.api import problem

        return problem(404, "No such resource, or it is not yours.", code="not_found")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


handler404 = api_aware_not_found

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from flightbridge.api import api


def account_urls(password_reset: bool) -> list:
    """Django's auth routes, minus password reset unless mail is configured: a reset form that cannot
    send mail gives a pilot nothing and only invites Host-header games (issue 13)."""
    urls = [
        path("accounts/login/", auth_views.LoginView.as_view(extra_context={"password_reset_enabled": password_reset}),
             name="login"),
        path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
        path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
        path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    ]
    if password_reset:
        urls += [
            path("accounts/password_reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
            path("accounts/password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
            path("accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
                 name="password_reset_confirm"),
            path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
        ]
    return urls


urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    *account_urls(settings.PASSWORD_RESET_ENABLED),
    path("", include("flightbridge.web.urls")),
]


def api_aware_not_found(request, exception=None):
    """Under /api/ even a URL that matches no route answers in problem-details JSON, as the schema promises."""
    if request.path.startswith("/api/"):
        from flightbridge.problems import problem

        return problem(404, "No such resource, or it is not yours.", code="not_found")
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


handler404 = api_aware_not_found

"""The account routes of a server with no mail configured (FLIGHTBRIDGE_EMAIL_URL unset)."""

from flightbridge.urls import account_urls

urlpatterns = account_urls(password_reset=False)

"""Login throttling that cannot be turned against the pilot it protects.

django-axes locks a user name *from one address* (the pair) after FLIGHTBRIDGE_LOGIN_FAILURE_LIMIT
failures: someone guessing from elsewhere cannot lock the pilot out any more (5 wrong passwords from
changing addresses used to lock any account, the admin's included, for 15 minutes — issue 22). What is
left to slow a guesser spread over many addresses is here, and it is a backoff, not a lock:

- a user name with FLIGHTBRIDGE_LOGIN_USERNAME_FAILURE_LIMIT failures from all addresses together waits
  between attempts: 1 s, 2 s, 4 s … at most FLIGHTBRIDGE_LOGIN_MAX_BACKOFF_SECONDS after its last failure;
- an address with FLIGHTBRIDGE_LOGIN_ADDRESS_FAILURE_LIMIT failures over all user names (one address
  trying many names) waits the same way;
- never from an address the user name has logged in from before (axes' access log): a pilot, and the
  admin, always get in from a known address at once.

An attempt refused here is not an attempt: it does not count, so waiting and trying again always works.
Failures are forgotten FLIGHTBRIDGE_LOGIN_COOLOFF_MINUTES after the last one (axes' cool-off).
"""

from __future__ import annotations

import math

from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from flightbridge.problems import refusal

from .lockout import client_address

LOGIN_PATHS = frozenset({"/accounts/login/", "/admin/login/"})


def _delay(failures: int, limit: int) -> int:
    """Seconds to wait after the last failure: none below the limit, then doubling up to the maximum."""
    if failures < limit:
        return 0
    return min(2 ** min(failures - limit, 30), settings.FLIGHTBRIDGE_LOGIN_MAX_BACKOFF_SECONDS)


def is_known_address(username: str, address: str) -> bool:
    return bool(username and address) and AccessLog.objects.filter(username=username, ip_address=address).exists()


def seconds_to_wait(username: str, address: str) -> int:
    """How long a login for `username` from `address` must wait now (0: go ahead)."""
    if is_known_address(username, address):
        return 0
    now = timezone.now()
    wait = 0.0
    for field, value, limit in (("username", username, settings.FLIGHTBRIDGE_LOGIN_USERNAME_FAILURE_LIMIT),
                                ("ip_address", address, settings.FLIGHTBRIDGE_LOGIN_ADDRESS_FAILURE_LIMIT)):
        if not value:
            continue
        seen = AccessAttempt.objects.filter(**{field: value}).aggregate(failures=Sum("failures_since_start"),
                                                                        last=Max("attempt_time"))
        delay = _delay(seen["failures"] or 0, limit)
        if delay and seen["last"] is not None:
            wait = max(wait, delay - (now - seen["last"]).total_seconds())
    return math.ceil(wait) if wait > 0 else 0


def backoff_response(request: HttpRequest, seconds: int) -> HttpResponse:
    detail = (f"Too many failed logins for this user name, or from this address, from many places. Wait {seconds} "
              f"second{'s' if seconds != 1 else ''} and try again; nothing is locked, and a login from an address "
              "you have used before is never slowed.")
    response = refusal(request, 429, heading="Wait a moment", detail=detail, code="login_backoff",
                       back=("/accounts/login/", "Back to the login page"))
    response["Retry-After"] = str(seconds)
    return response


class LoginBackoffMiddleware:
    """Answers a login POST that must wait with 429 and Retry-After, before the password is checked."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path in LOGIN_PATHS:
            username = request.POST.get(settings.AXES_USERNAME_FORM_FIELD, "")
            seconds = seconds_to_wait(username if isinstance(username, str) else "", client_address(request))
            if seconds:
                return backoff_response(request, seconds)
        return self.get_response(request)

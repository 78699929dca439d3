"""What a locked-out login sees, and which address a login attempt is counted against (django-axes).

A lockout must read as one: the login page answers a plain page saying when to try again, and an
API caller gets an RFC 9457 problem. Neither says whether the user name exists.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from flightbridge.problems import refusal


def _cool_off_minutes() -> int:
    cool_off = settings.AXES_COOLOFF_TIME
    return max(1, int(cool_off.total_seconds() // 60)) if cool_off else 0


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    minutes = _cool_off_minutes()
    wait = f"Try again in {minutes} minute{'s' if minutes != 1 else ''}" if minutes else "Ask an administrator to unlock it"
    detail = (f"Too many failed logins for this account from this address ({settings.AXES_FAILURE_LIMIT} in a row). "
              f"{wait}; a right password is refused from here until then. Other addresses are not locked.")
    response = refusal(request, 429, heading="Login locked", detail=detail, code="locked_out",
                       back=("/accounts/login/", "Back to the login page"))
    if minutes:
        response["Retry-After"] = str(minutes * 60)
    return response


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind a reverse proxy on this machine the address that proxy saw.

    `flightbridge serve` binds to loopback and trusts only a proxy there (gunicorn's
    --forwarded-allow-ips 127.0.0.1); counting every login against 127.0.0.1 would lock everyone out
    at once. Only the last X-Forwarded-For hop is used: the one our own proxy appended.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    try:
        is_local = ipaddress.ip_address(remote).is_loopback
    except ValueError:
        is_local = False
    if is_local and forwarded:
        last = forwarded.rsplit(",", 1)[-1].strip()
        try:
            return str(ipaddress.ip_address(last))
        except ValueError:
            return remote
    return remote

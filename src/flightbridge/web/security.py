"""The Content-Security-Policy every page is sent with (issue 13, hardening).

Pages load scripts and styles only from this site's own static files: no inline `<script>`, no
`onclick=`, no `style=` attribute, so a value that slipped past escaping could never run. This holds
for the API docs too (Django Ninja serves Swagger UI from static files and reads its settings from a
JSON block, which is data, not script). Images may be `data:` URLs (the QR code, Swagger's icons).
"""

from __future__ import annotations

from django.conf import settings

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy_text(overrides: dict[str, str] | None = None) -> str:
    return "; ".join(f"{name} {value}" for name, value in {**POLICY, **(overrides or {})}.items())


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every response that does not set its own (a view may narrow or widen it)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = policy_text(getattr(settings, "FLIGHTBRIDGE_CSP_OVERRIDES", None))

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.header
        return response

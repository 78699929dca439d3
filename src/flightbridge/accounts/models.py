"""Personal API tokens, and a pilot's display preferences.

Only a token's SHA-256 digest is stored: the token itself is shown once, at creation. A token is 32
random bytes, so a fast digest is enough (there is nothing to brute-force); the short `prefix` is stored
in clear so a pilot can tell tokens apart in `token list`.
"""

from django.conf import settings
from django.db import models

from flightbridge.accounts.display import DEFAULT_HOURS_FORMAT, HoursFormat


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, default="")
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class PilotPreferences(models.Model):
    """How a pilot wants the pages to look. Presentation only: nothing stored or sent changes with it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences")
    hours_format = models.CharField(max_length=16, choices=HoursFormat.choices, default=DEFAULT_HOURS_FORMAT,
                                    help_text="how pages write hours (MyFlightbook's decimal display preference)")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "pilot preferences"

    def __str__(self) -> str:
        return f"{self.user}: hours as {self.get_hours_format_display()}"

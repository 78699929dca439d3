"""A pilot's MyFlightbook connection (`IntegrationToken`) and the pending OAuth handshakes (`OAuthState`).

Tokens are sealed by the vault (AES-256-GCM bound to table, column and row); the columns hold only
ciphertext, and nothing here may put a token into a repr, a log line or an error. The connection's
status is a small state machine: the transitions live in `TRANSITIONS` and change only through
`IntegrationToken.move_to`, never through a form.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from flightbridge.vault.models import SealedSecretsModel

PROVIDER = "myflightbook"


class ConnectionStatus(models.TextChoices):
    CONNECTED = "connected", "Connected"
    NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"


#: Allowed moves. A reconnect (a new code exchange) brings a `needs_reconnect` row back to connected.
TRANSITIONS: dict[str, set[str]] = {
    ConnectionStatus.CONNECTED: {ConnectionStatus.CONNECTED, ConnectionStatus.NEEDS_RECONNECT},
    ConnectionStatus.NEEDS_RECONNECT: {ConnectionStatus.CONNECTED, ConnectionStatus.NEEDS_RECONNECT},
}


class IntegrationToken(SealedSecretsModel):
    """One pilot's grant on MyFlightbook: sealed access and refresh tokens plus what we know about them."""

    sealed_fields = ("access_token", "refresh_token")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="integration_tokens")
    provider = models.CharField(max_length=32, default=PROVIDER)
    access_token = models.TextField(blank=True, default="", help_text="sealed")
    refresh_token = models.TextField(blank=True, default="", help_text="sealed")
    expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.CharField(max_length=255, blank=True, default="", help_text="granted scopes, space separated")
    status = models.CharField(max_length=24, choices=ConnectionStatus.choices, default=ConnectionStatus.CONNECTED)
    status_message = models.CharField(max_length=500, blank=True, default="")
    account_name = models.CharField(max_length=150, blank=True, default="", help_text="MyFlightbook username, once seen")
    connected_at = models.DateTimeField(default=timezone.now)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "provider"], name="one_token_per_owner_and_provider")]

    def __str__(self) -> str:
        return f"{self.provider} connection of user {self.owner_id} ({self.status})"

    def __repr__(self) -> str:
        return f"<IntegrationToken id={self.pk} owner={self.owner_id} status={self.status}>"

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()

    def can_move_to(self, status: str) -> bool:
        return status in TRANSITIONS.get(self.status, set())

    def move_to(self, status: str, message: str = "") -> None:
        if not self.can_move_to(status):
            raise ValueError(f"a {self.status} connection cannot become {status}")
        self.status, self.status_message = status, message[:500]


class OAuthState(models.Model):
    """One authorization attempt: a random `state` (stored only as its hash), single use, 10 minutes.

    Bound to the user who started it, so a callback in another pilot's session cannot complete it.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state_hash = models.CharField(max_length=64, unique=True)
    redirect_uri = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __repr__(self) -> str:
        return f"<OAuthState id={self.pk} owner={self.owner_id} expires_at={self.expires_at:%Y-%m-%dT%H:%M:%SZ}>"


class CallBudget(models.Model):
    """The deployment-wide MyFlightbook call budget on PostgreSQL: when the next call may start.

    One row per budget name, updated by one `INSERT … ON CONFLICT DO UPDATE` per call (see
    `pacing.PostgresCallBudget`), so every worker on every machine draws its call slots from the same
    timeline, measured by the database's clock. Not used on SQLite (a file) or with Redis (keys).
    """

    name = models.CharField(max_length=64, primary_key=True)
    next_slot = models.FloatField(help_text="seconds since the epoch, database clock: the next free call slot")

    def __repr__(self) -> str:
        return f"<CallBudget {self.name} next_slot={self.next_slot:.3f}>"


class CallBudgetToken(models.Model):
    """One of the budget's `rate` tokens on PostgreSQL: a call holds one until a second after its answer.

    `free_at` is when it may be taken again (database clock); while a call is in flight it is a lease
    far ahead, so a process that dies mid-call gives its token back on its own.
    """

    name = models.CharField(max_length=64)
    position = models.PositiveIntegerField()
    free_at = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "position"], name="one_budget_token_per_position")]

    def __repr__(self) -> str:
        return f"<CallBudgetToken {self.name}#{self.position} free_at={self.free_at:.3f}>"


class SyncSchedule(models.Model):
    """When a pilot's logbook is synced next, and what the last sync saw of the whole logbook.

    One row per pilot, kept apart from the connection (`IntegrationToken`, whose only writer is the
    token store) so a token refresh and the scheduler never write the same row. It survives a
    disconnect: the pilot's auto-sync choice stays. The schedule lives here, in the database, so it
    survives restarts; `schedule.py` is the only code that moves `next_sync_at`, and a finished sync
    (`schedule.record_sync`) records the totals it saw and when the next full reconciliation is due.
    """

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mfb_sync_schedule")
    auto_sync = models.BooleanField(default=True, help_text="the pilot lets FlightBridge sync on its own")
    next_sync_at = models.DateTimeField(null=True, blank=True, help_text="the next scheduled quick sync")
    next_full_sync_at = models.DateTimeField(null=True, blank=True, help_text="the next full reconciliation")
    last_full_sync_at = models.DateTimeField(null=True, blank=True)
    # The tripwire's baseline: MyFlightbook's whole-logbook totals (TotalsForUserWithQuery) at the last sync.
    remote_flights = models.IntegerField(null=True, blank=True)
    remote_total_time = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    # MyFlightbook's MathRoundingUnit for this pilot (60 minutes or 100 hundredths), learned from a full walk's
    # totals; null until the totals tell (tripwire.py, docs/sync.md).
    rounding_unit = models.PositiveSmallIntegerField(null=True, blank=True, help_text="60 or 100, as learned")
    remote_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["auto_sync", "next_sync_at"])]

    def __repr__(self) -> str:
        return f"<SyncSchedule owner={self.owner_id} auto_sync={self.auto_sync} next_sync_at={self.next_sync_at}>"


class RemoteFlight(models.Model):
    """One flight as the last sync saw it on MyFlightbook: its FlightID, date and total time.

    Not the pilot's flight (that is a `logbook.Flight`, which the pilot may edit or delete): this is
    the sync's memory of MyFlightbook, so a quick sync can tell what its date window cannot see (a
    flight backdated out of the window, deleted, or with changed hours) from a count and a sum.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    flight_id = models.BigIntegerField()
    date = models.DateField(null=True, blank=True, help_text="null when MyFlightbook's date was unreadable")
    total_time = models.DecimalField(max_digits=12, decimal_places=4, default=0)
    # False when the record could not be stored (refused): its absence from the logbook is then no loss.
    in_logbook = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "flight_id"], name="one_remote_flight_per_owner")]
        indexes = [models.Index(fields=["owner", "date"])]

    def __repr__(self) -> str:
        return f"<RemoteFlight owner={self.owner_id} flight_id={self.flight_id} date={self.date}>"

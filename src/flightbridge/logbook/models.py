"""The pilot's logbook: flights, their aircraft, imports, currency and totals.

Hours are `Decimal` (never float): 1.1 + 2.2 must be 3.3 in a logbook. A flight's `external_id` is
unique per owner when set (`mfb:{FlightID}`, `logger:{importId}`); that is what makes re-imports
idempotent. `raw` keeps the source record verbatim so nothing a source sent is ever lost.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

# Hours are kept exactly as the source holds them: MyFlightbook keeps cross-country at 4 decimals (1.3333) and
# the other times at 2, so 4 places store every flight it has; pages round for display (docs/myflightbook.md).
HOURS = {"max_digits": 9, "decimal_places": 4, "default": Decimal("0")}
HOURS_PLACES = 4
HOURS_MAX = Decimal("99999.9999")
# A meter reading (Hobbs, tach): MyFlightbook's DECIMAL(10,2) hobbsStart/hobbsEnd and property DecValue.
METER = {"max_digits": 10, "decimal_places": 2, "null": True, "blank": True}


class SimulatorType(models.TextChoices):
    """Device class; §61.57(c) credits instrument experience differently for each."""

    REAL = "REAL", "Aircraft"
    FFS = "FFS", "Full flight simulator"
    FTD = "FTD", "Flight training device"
    AATD = "AATD", "Advanced aviation training device"
    FLAPS = "FLAPS", "Basic aviation training device / other"


class CategoryClass(models.TextChoices):
    """MyFlightbook's category/class names, exactly as its `categoryclass` table spells them (the same names
    `logbook.category_classes` maps a CatClassOverride id to, and `Flight.category_class` holds)."""

    ASEL = "ASEL", "Airplane single-engine land"
    AMEL = "AMEL", "Airplane multi-engine land"
    ASES = "ASES", "Airplane single-engine sea"
    AMES = "AMES", "Airplane multi-engine sea"
    GLIDER = "Glider", "Glider"
    HELICOPTER = "Helicopter", "Rotorcraft helicopter"
    GYROPLANE = "Gyroplane", "Rotorcraft gyroplane"
    HOT_AIR_BALLOON = "Hot Air Balloon", "Hot air balloon"
    GAS_BALLOON = "Gas Balloon", "Gas balloon"
    AIRSHIP = "Airship", "Airship"
    POWERED_LIFT = "Powered Lift", "Powered lift"
    POWERED_PARACHUTE_LAND = "Powered Parachute - Land", "Powered parachute land"
    POWERED_PARACHUTE_SEA = "Powered Parachute - Sea", "Powered parachute sea"
    WEIGHT_SHIFT_CONTROL_LAND = "Weight-shift Control - Land", "Weight-shift-control land"
    WEIGHT_SHIFT_CONTROL_SEA = "Weight-shift Control - Sea", "Weight-shift-control sea"
    UNMANNED_AERIAL_SYSTEM = "Unmanned Aerial System", "Unmanned aerial system"
    POWERED_PARAGLIDER = "Powered Paraglider", "Powered paraglider"


class EngineType(models.TextChoices):
    PISTON = "piston", "Piston"
    TURBOPROP = "turboprop", "Turboprop"
    JET = "jet", "Turbojet / turbofan"
    TURBOSHAFT = "turboshaft", "Turboshaft"
    ELECTRIC = "electric", "Electric"
    NONE = "none", "None (unpowered)"


class FactOrigin(models.TextChoices):
    """Where an aircraft's value came from. A pilot's own choice is never overwritten by an import."""

    REGISTRY = "registry", "FAA registry"
    MYFLIGHTBOOK = "myflightbook", "MyFlightbook"
    PILOT = "pilot", "You"
class SignatureState(models.TextChoices):
    """A CFI's signature on the flight (MyFlightbook's SignatureState: None 0, Valid 1, Invalid 2)."""

    NONE = "none", "Not signed"
    VALID = "valid", "Signed (valid)"
    INVALID = "invalid", "Signed, changed since (invalid)"


class FlightSource(models.TextChoices):
    MANUAL = "manual", "Entered here"
    MYFLIGHTBOOK = "myflightbook", "MyFlightbook"
    LOGGER = "logger", "Logger"


#: Logbook files a flight or run can come from (its source is `csv:<format>`), in a pilot's words.
FILE_FORMAT_NAMES = {"foreflight": "ForeFlight", "myflightbook": "MyFlightbook", "logten": "LogTen Pro"}


def source_label(source: str) -> str:
    """Where a flight or import run came from, as a pilot says it ("ForeFlight file", never "csv:foreflight")."""
    kind, _, file_format = source.partition(":")
    if kind == "csv":
        return f"{FILE_FORMAT_NAMES.get(file_format, file_format)} file"
    return FlightSource(source).label if source in FlightSource.values else source


class ImportStatus(models.TextChoices):
    PROCESSING = "processing", "Processing"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    REVERTED = "reverted", "Reverted"


IMPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    ImportStatus.PROCESSING: frozenset({ImportStatus.COMPLETED, ImportStatus.FAILED}),
    ImportStatus.COMPLETED: frozenset({ImportStatus.REVERTED}),
    ImportStatus.FAILED: frozenset({ImportStatus.REVERTED}),
    ImportStatus.REVERTED: frozenset(),
}


class LogbookImport(models.Model):
    """One import run (a MyFlightbook sync, a Logger package): what it did and why it skipped what it skipped."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="logbook_imports")
    source = models.CharField(max_length=32, choices=FlightSource.choices)
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.PROCESSING, editable=False)
    job = models.ForeignKey("jobs.SyncJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="imports")
    imported = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0, help_text="records already in the logbook exactly as sent")
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    changed_at_source = models.PositiveIntegerField(default=0, help_text="skipped flights whose source record changed since import")
    #: [{"record": "mfb:123", "field": "Date", "reason": "no date"}, …] for failed and skipped records
    reasons = models.JSONField(default=list, blank=True)
    details = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    reverted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} import #{self.pk} ({self.status})"

    @property
    def source_label(self) -> str:
        return source_label(self.source)


def route_key(day, departure: str, destination: str) -> str:
    """`date:departure:destination`: the key a flight had before external ids (the sync seed), and the one
    the ingest links a hand-entered flight by. The only place it is spelled."""
    return f"{day.isoformat()}:{departure}:{destination}"


class Flight(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flights")
    date = models.DateField(help_text="the logbook date of the flight")
    departure = models.CharField(max_length=8, blank=True, default="")
    destination = models.CharField(max_length=8, blank=True, default="")
    route = models.CharField(max_length=512, blank=True, default="")
    tail_number = models.CharField(max_length=32, blank=True, default="")
    aircraft_type = models.CharField(max_length=128, blank=True, default="")
    simulator_type = models.CharField(max_length=8, choices=SimulatorType.choices, default=SimulatorType.REAL)
    #: the pilot's aircraft with this flight's registration, set by the ingest (and when the aircraft is added)
    aircraft = models.ForeignKey("UserAircraft", null=True, blank=True, on_delete=models.SET_NULL, related_name="flights")

    total_flight_time = models.DecimalField(**HOURS)
    pic = models.DecimalField(**HOURS)
    sic = models.DecimalField(**HOURS)
    cross_country = models.DecimalField(**HOURS)
    night = models.DecimalField(**HOURS)
    imc = models.DecimalField(**HOURS)
    simulated_ifr = models.DecimalField(**HOURS)
    dual = models.DecimalField(**HOURS)
    cfi = models.DecimalField(**HOURS)
    ground_sim = models.DecimalField(**HOURS)

    # Landings of any kind (full-stop and touch-and-go), and the full-stop ones among them: §61.57(a) counts
    # every landing, §61.57(b) night and tailwheel currency only full stops (docs/myflightbook.md).
    day_landings = models.PositiveIntegerField(default=0)
    day_takeoffs = models.PositiveIntegerField(default=0)
    night_landings = models.PositiveIntegerField(default=0)
    night_takeoffs = models.PositiveIntegerField(default=0)
    day_full_stop_landings = models.PositiveIntegerField(default=0)
    night_full_stop_landings = models.PositiveIntegerField(default=0)
    approaches = models.PositiveIntegerField(default=0)
    holds = models.PositiveIntegerField(default=0)

    # Times in UTC, when the source knows them (block = off/on blocks; flight = takeoff/landing).
    block_out = models.DateTimeField(null=True, blank=True)
    block_in = models.DateTimeField(null=True, blank=True)
    takeoff_at = models.DateTimeField(null=True, blank=True)
    landing_at = models.DateTimeField(null=True, blank=True)

    flight_rules = models.CharField(max_length=8, blank=True, default="", help_text="VFR or IFR when known")
    # MyFlightbook's text properties are VARCHAR(127) (flightproperties.StringValue): these hold any of them.
    approach_type = models.CharField(max_length=128, blank=True, default="", help_text="Approach Name(s), e.g. ILS 28R KPAE")
    pic_name = models.CharField(max_length=128, blank=True, default="")
    sic_name = models.CharField(max_length=128, blank=True, default="")
    instructor_name = models.CharField(max_length=128, blank=True, default="")
    student_name = models.CharField(max_length=128, blank=True, default="")

    # The rest of MyFlightbook's record (reference §9): meter readings, engine times, the category/class
    # the flight was logged in (its CatClassOverride, else the aircraft's), a CFI's signature.
    hobbs_start = models.DecimalField(**METER)
    hobbs_end = models.DecimalField(**METER)
    tach_start = models.DecimalField(**METER)
    tach_end = models.DecimalField(**METER)
    engine_start = models.DateTimeField(null=True, blank=True, help_text="UTC")
    engine_end = models.DateTimeField(null=True, blank=True, help_text="UTC")
    category_class = models.CharField(max_length=64, blank=True, default="",
                                      help_text="MyFlightbook's name for the flight's category/class: ASEL, AMEL, Helicopter …")
    type_name = models.CharField(max_length=32, blank=True, default="",
                                 help_text="the type rating the aircraft needs, as MyFlightbook names it after the class: B737 in 'AMEL (B737)'")
    signature = models.CharField(max_length=8, choices=SignatureState.choices, default=SignatureState.NONE)
    # MyFlightbook never derives takeoffs; FlightBridge counts one per landing when none were logged (currency
    # needs them), and says so here so no file ever carries an inferred count as logged.
    takeoffs_inferred = models.BooleanField(default=False, help_text="the takeoff counts were inferred from landings, not logged")
    # By MyFlightbook's property flags (BFR, IPC) and checkride titles: logbook/property_types.py.
    flight_review = models.BooleanField(default=False, help_text="counts as a flight review (§61.56)")
    ipc = models.BooleanField(default=False, help_text="an instrument proficiency check (§61.57(d))")
    checkride = models.BooleanField(default=False, help_text="a practical test for a certificate or rating")
    # §61.57(c)(3) glider instrument currency: MyFlightbook logs these as properties 56 and 57 (their flags).
    glider_instrument_maneuvers = models.DecimalField(**HOURS, help_text="hours of glider instrument maneuvers (§61.57(c)(3)(i)(B))")
    glider_passenger_maneuvers = models.BooleanField(default=False, help_text="the glider instrument maneuvers to carry passengers (§61.57(c)(3)(ii)(B))")

    remarks = models.TextField(blank=True, default="")
    custom_properties = models.JSONField(default=list, blank=True)

    external_id = models.CharField(max_length=128, null=True, blank=True)
    source = models.CharField(max_length=32, choices=FlightSource.choices, default=FlightSource.MANUAL)
    #: the last import run that wrote this flight (created or updated it)
    import_batch = models.ForeignKey(LogbookImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="flights")
    #: the import run that created it: Undo removes a run's flights by this, even after a later run updated them
    created_by_run = models.ForeignKey(LogbookImport, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="created_flights", editable=False)
    raw = models.JSONField(null=True, blank=True, help_text="the source record exactly as received")
    source_hash = models.CharField(max_length=64, blank=True, default="", help_text="digest of `raw`, to notice changes at the source")
    # What the source did since: the flight stays the pilot's either way (docs/myflightbook.md).
    deleted_at_source = models.DateTimeField(null=True, blank=True, editable=False,
                                             help_text="when a full sync of its source first no longer found it (kept here)")
    source_update = models.JSONField(null=True, blank=True, editable=False,
                                     help_text="the source's newer version of this record, until the pilot takes it")
    #: What the flight check found impossible in an imported flight, kept as its source sent it:
    #: [{"field": "pic", "reason": "…"}, …]; empty when it passes (logbook/flightcheck.py).
    flight_check = models.JSONField(default=list, blank=True, editable=False,
                                    help_text="the flight check's findings on this flight as stored")

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "external_id"], condition=Q(external_id__isnull=False), name="flight_external_id_unique_per_owner"
            )
        ]
        indexes = [
            models.Index(fields=["owner", "date"]), models.Index(fields=["owner", "date", "departure", "destination"]),
            # The import's dedupe looks rows without an external id up by digest, a page at a time: without
            # this index that walked the owner's whole logbook for every page (issue 15, cost per flight).
            models.Index(fields=["owner", "source_hash"], condition=Q(external_id__isnull=True), name="flight_digest_no_external_id"),
            # Time in one aircraft or model reads only its flights (summary?model_id= over 50,000 flights, issue 24).
            models.Index(fields=["owner", "aircraft"], name="flight_owner_aircraft"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.departure}-{self.destination} {self.tail_number}".strip()

    @property
    def source_label(self) -> str:
        return source_label(self.source)

    @property
    def legacy_route_key(self) -> str:
        """`date:departure:destination`, the key rows had before external ids (see the sync seed)."""
        return route_key(self.date, self.departure, self.destination)


class UserAircraft(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="aircraft")
    registration = models.CharField(max_length=32)
    model = models.CharField(max_length=128, blank=True, default="")
    manufacturer = models.CharField(max_length=128, blank=True, default="")
    device_class = models.CharField(max_length=8, choices=SimulatorType.choices, default=SimulatorType.REAL)
    source = models.CharField(max_length=32, choices=FlightSource.choices, default=FlightSource.MANUAL)
    manual = models.BooleanField(default=True, help_text="curated by hand: imports never overwrite it")
    external_id = models.CharField(max_length=128, null=True, blank=True)
    details = models.JSONField(default=dict, blank=True, help_text="registry facts and the source record")
    import_batch = models.ForeignKey(LogbookImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="aircraft")

    # The shared model this aircraft is one of. Linking never creates or changes a model (only model sync
    # does); a model deleted elsewhere leaves the aircraft unlinked, not gone.
    aircraft_model = models.ForeignKey("fleet.AircraftModel", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="aircraft")
    #: MyFlightbook's own model of this aircraft (AircraftForUser ModelID / ModelDescription), kept for matching
    mfb_model_id = models.IntegerField(null=True, blank=True)
    mfb_model_description = models.CharField(max_length=128, blank=True, default="")
    category_class = models.CharField(max_length=32, choices=CategoryClass.choices, blank=True, default="")
    engine_type = models.CharField(max_length=16, choices=EngineType.choices, blank=True, default="")
    # None: not known. Currency (tailwheel) and exports (complex, high performance) read these.
    is_complex = models.BooleanField(null=True, blank=True)
    is_high_performance = models.BooleanField(null=True, blank=True)
    is_tailwheel = models.BooleanField(null=True, blank=True)
    is_turbine = models.BooleanField(null=True, blank=True)
    is_multi_engine = models.BooleanField(null=True, blank=True)
    #: {field: FactOrigin} for aircraft_model, category_class, engine_type, the flags and device_class
    provenance = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["registration"]
        verbose_name_plural = "user aircraft"
        constraints = [models.UniqueConstraint(fields=["owner", "registration"], name="aircraft_registration_unique_per_owner")]

    def __str__(self) -> str:
        return self.registration


class CurrencyStatus(models.TextChoices):
    CURRENT = "CURRENT", "Current"
    EXPIRING_SOON = "EXPIRING_SOON", "Expiring soon"
    NON_COMPLIANT = "NON_COMPLIANT", "Not current"
    UNKNOWN = "UNKNOWN", "No date on file"


class CurrencyRecord(models.Model):
    """One FAA-relevant currency item, as MyFlightbook reported it on the last sync."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="currency_records")
    kind = models.CharField(max_length=48, help_text="flight_review, instrument, medical_1st, passenger_day_90, …")
    label = models.CharField(max_length=255, help_text="MyFlightbook's Attribute text, verbatim")
    category = models.CharField(max_length=128, blank=True, default="", help_text="category/class for per-category items")
    status = models.CharField(max_length=16, choices=CurrencyStatus.choices)
    value = models.CharField(max_length=255, blank=True, default="", help_text="MyFlightbook's Value text")
    discrepancy = models.TextField(blank=True, default="")
    ipc_required = models.BooleanField(default=False, help_text='instrument currency whose Discrepancy says "IPC is required."')
    expires_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=32, default=FlightSource.MYFLIGHTBOOK)
    raw = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "category", "label"]
        constraints = [models.UniqueConstraint(fields=["owner", "source", "label"], name="currency_label_unique_per_owner")]

    def __str__(self) -> str:
        return f"{self.label}: {self.status}"


class TotalDimension(models.TextChoices):
    TOTAL_TIME = "TOTAL_TIME", "Total time"
    ROLE = "ROLE", "Role"
    CONDITIONS = "CONDITIONS", "Conditions"
    COUNTS = "COUNTS", "Counts"
    CATEGORY = "CATEGORY", "Category and class"
    OTHER = "OTHER", "Other"


class LogbookTotal(models.Model):
    """A total line: a MyFlightbook snapshot (source `myflightbook`) or our rollup (`computed-local`)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="logbook_totals")
    source = models.CharField(max_length=32, help_text="myflightbook or computed-local")
    dimension = models.CharField(max_length=16, choices=TotalDimension.choices)
    key = models.CharField(max_length=64, help_text="normalized name, e.g. pic, night, landings")
    description = models.CharField(max_length=255, help_text="the source's own words, verbatim")
    value = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=16, default="hours", help_text="hours, count or currency")
    period = models.CharField(max_length=32, default="lifetime", help_text="lifetime or trailing-12-months")
    raw = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source", "dimension", "key"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "source", "period", "dimension", "description"], name="total_unique_line")
        ]

    def __str__(self) -> str:
        return f"{self.description}: {self.value} {self.unit}"


class CurrencyFeed(models.Model):
    """A pilot's private iCalendar feed of currency expiry dates (docs/currency.md).

    The feed's URL holds a random token, and the token is the only key: no login reads it. Only its SHA-256
    digest is stored (the URL is shown once, when the pilot turns the feed on), as with API tokens. One feed
    per pilot: a new link replaces the old one, which stops working; turning it off deletes the row.
    """

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="currency_feed")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_read_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return f"currency feed of {self.owner}"

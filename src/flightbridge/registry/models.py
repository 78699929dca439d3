"""The loaded FAA registry: one `RegistryGeneration` per load, its aircraft rows, and which generation is current.

A reload writes a whole new generation beside the current one and flips `is_current` in the same
transaction; the old generation is deleted afterwards. A lookup is one statement joined on
`is_current`, so it sees the old copy or the new one, never neither. Rows are never edited in place.
Owners' names and addresses are deliberately not stored: a lookup never needs them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class RegistryGeneration(models.Model):
    """One load of the releasable database, with what the load reported."""

    source = models.CharField(max_length=500, help_text="the ZIP or folder it was loaded from")
    file_date = models.DateField(null=True, blank=True, help_text="date of MASTER.txt in the ZIP (the FAA refreshes it daily)")
    loaded_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0)
    is_current = models.BooleanField(default=False)
    master_rows = models.PositiveIntegerField(default=0)
    aircraft = models.PositiveIntegerField(default=0, help_text="MASTER rows stored")
    deregistered = models.PositiveIntegerField(default=0, help_text="DEREG rows stored")
    models_known = models.PositiveIntegerField(default=0, help_text="ACFTREF rows")
    engines_known = models.PositiveIntegerField(default=0, help_text="ENGINE rows")
    bad_rows = models.PositiveIntegerField(default=0, help_text="rows skipped")
    warnings = models.PositiveIntegerField(default=0, help_text="rows stored with a blanked field")
    problems = models.JSONField(default=list, blank=True, help_text="the first problems, each with file, line, field, reason")

    class Meta:
        ordering = ["-loaded_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="registry_one_current_generation"),
        ]

    def __str__(self) -> str:
        state = "current" if self.is_current else "old"
        return f"FAA registry of {self.file_date or 'unknown date'} ({self.aircraft} aircraft, {state})"


class AircraftReference(models.Model):
    """The ACFTREF columns: what an MFR MDL CODE stands for. Written once here because a registered
    aircraft carries them (joined in at load time) as does the catalogue row itself; the two must not drift."""

    manufacturer = models.CharField(max_length=30, blank=True)
    model = models.CharField(max_length=20, blank=True)
    type_aircraft = models.CharField(max_length=1, blank=True)
    type_engine = models.CharField(max_length=2, blank=True)
    category = models.CharField(max_length=1, blank=True)
    builder_certification = models.CharField(max_length=1, blank=True)
    engines = models.PositiveSmallIntegerField(null=True, blank=True)
    seats = models.PositiveSmallIntegerField(null=True, blank=True)
    weight_class = models.CharField(max_length=10, blank=True)

    class Meta:
        abstract = True


class RegistryAircraft(AircraftReference):
    """One MASTER row (a current registration) or one DEREG row (a past one), with ACFTREF and ENGINE joined in."""

    MASTER, DEREG = "master", "dereg"

    generation = models.ForeignKey(RegistryGeneration, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=6, choices=[(MASTER, "MASTER.txt"), (DEREG, "DEREG.txt")])
    line = models.PositiveIntegerField(help_text="line in the source file, for questions about a row")
    n_number = models.CharField(max_length=5, help_text="without the leading N, as the FAA stores it")
    serial_number = models.CharField(max_length=30, blank=True)
    mfr_mdl_code = models.CharField(max_length=7, blank=True)
    eng_mfr_mdl = models.CharField(max_length=5, blank=True)
    engine_manufacturer = models.CharField(max_length=10, blank=True)
    engine_model = models.CharField(max_length=13, blank=True)
    horsepower = models.PositiveIntegerField(null=True, blank=True)
    thrust = models.PositiveIntegerField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    registrant_type = models.CharField(max_length=1, blank=True)
    certification = models.CharField(max_length=10, blank=True)
    status_code = models.CharField(max_length=2, blank=True)
    mode_s_octal = models.CharField(max_length=8, blank=True)
    mode_s_hex = models.CharField(max_length=6, blank=True)
    cert_issue_date = models.DateField(null=True, blank=True)
    airworthiness_date = models.DateField(null=True, blank=True)
    last_action_date = models.DateField(null=True, blank=True)
    expiration_date = models.DateField(null=True, blank=True)
    cancel_date = models.DateField(null=True, blank=True)
    kit_manufacturer = models.CharField(max_length=30, blank=True)
    kit_model = models.CharField(max_length=20, blank=True)
    unique_id = models.CharField(max_length=8, blank=True)

    class Meta:
        indexes = [models.Index(fields=["n_number", "generation"], name="registry_nnumber_gen")]

    def __str__(self) -> str:
        return f"N{self.n_number} {self.manufacturer} {self.model} ({self.source})".strip()


class RegistryModel(AircraftReference):
    """One ACFTREF row of a generation: the make/model/series an MFR MDL CODE stands for.

    Every code in the file is kept, not only those a registered aircraft uses: the FAA aircraft
    reference model source (`fleet`) reads this table as its catalogue.
    """

    generation = models.ForeignKey(RegistryGeneration, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=7, help_text="MFR MDL CODE")
    speed = models.PositiveIntegerField(null=True, blank=True, help_text="average cruising speed, mph")
    tc_data_sheet = models.CharField(max_length=15, blank=True)
    tc_data_holder = models.CharField(max_length=50, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["generation", "code"], name="registry_model_code_per_generation")]

    def __str__(self) -> str:
        return f"{self.code} {self.manufacturer} {self.model}".strip()

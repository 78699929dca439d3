"""The flight form, for logging a flight by hand and for correcting one: it renders the fields and hands
what the pilot typed, as typed, to `logbook.entry` (`log_flight`, `edit_flight`), which reads and
checks it. The form itself refuses nothing, so a refused value is explained once, in the logbook's
words, the same as the API's."""

from __future__ import annotations

from django import forms

from flightbridge.accounts.display import DEFAULT_HOURS_FORMAT, format_hours

from flightbridge.logbook.entry import EDITABLE_FIELDS
from flightbridge.logbook.flightcheck import COUNT_FIELDS, HOUR_FIELDS
from flightbridge.logbook.models import Flight, SimulatorType

LABELS = {
    "date": "Date (local, at departure)", "departure": "From", "destination": "To", "route": "Route",
    "tail_number": "Aircraft (registration)", "aircraft_type": "Aircraft type", "simulator_type": "Aircraft or training device",
    "total_flight_time": "Total time", "pic": "PIC", "sic": "SIC", "cross_country": "Cross-country", "night": "Night",
    "imc": "Actual instrument", "simulated_ifr": "Simulated instrument", "dual": "Dual received",
    "cfi": "Instructor (CFI)", "ground_sim": "Simulator / ground time",
    "day_landings": "Day landings", "day_takeoffs": "Day takeoffs", "night_landings": "Night landings",
    "night_takeoffs": "Night takeoffs", "day_full_stop_landings": "Day full-stop landings",
    "night_full_stop_landings": "Night full-stop landings", "approaches": "Approaches", "holds": "Holds",
    "flight_rules": "Flight rules (VFR or IFR)", "approach_type": "Approach type", "pic_name": "PIC name",
    "sic_name": "SIC name", "instructor_name": "Instructor name", "student_name": "Student name", "remarks": "Remarks",
}

#: The form's sections, in the order a pilot fills a paper logbook's line.
SECTIONS = (
    ("The flight", ("date", "tail_number", "aircraft_type", "simulator_type", "departure", "destination", "route",
                    "flight_rules")),
    ("Time (decimal hours or H:MM)", HOUR_FIELDS),
    ("Takeoffs, landings, approaches", ("day_takeoffs", "day_landings", "day_full_stop_landings", "night_takeoffs",
                                        "night_landings", "night_full_stop_landings", "approaches", "approach_type",
                                        "holds")),
    ("Crew and remarks", ("pic_name", "sic_name", "instructor_name", "student_name", "remarks")),
)


def _field(name: str) -> forms.Field:
    label = LABELS[name]
    if name == "date":
        return forms.CharField(label=label, widget=forms.DateInput(attrs={"type": "date"}))
    if name == "simulator_type":
        return forms.ChoiceField(label=label, choices=SimulatorType.choices, required=False)
    if name == "remarks":
        return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    if name in HOUR_FIELDS:
        # Text, not a number input: a phone's number pad has no colon, and "1:30" is how many pilots write it.
        return forms.CharField(label=label, required=False, widget=forms.TextInput(
            attrs={"inputmode": "text", "placeholder": "0.0", "autocomplete": "off", "class": "hours"}))
    if name in COUNT_FIELDS:
        return forms.CharField(label=label, required=False, widget=forms.TextInput(
            attrs={"inputmode": "numeric", "pattern": "[0-9]*", "placeholder": "0", "class": "count"}))
    column = Flight._meta.get_field(name)
    attrs = {"maxlength": column.max_length} if getattr(column, "max_length", None) else {}
    if name == "tail_number":
        attrs |= {"list": "my-aircraft", "autocapitalize": "characters", "autocomplete": "off"}
    if name in ("departure", "destination"):
        attrs |= {"autocapitalize": "characters", "placeholder": "KPAO"}
    return forms.CharField(label=label, required=False, widget=forms.TextInput(attrs=attrs))


def _shown(flight: Flight, name: str, hours_format) -> str:
    value = getattr(flight, name)
    if name == "date":
        return value.isoformat()
    if name in HOUR_FIELDS:
        # In the pilot's format, without thousands separators (the parser reads 1234.5 or 1234:30). A box left
        # as shown is not sent (`typed` sends changed fields only), so 1.3333 shown as 1.33 or 1:20 stays 1.3333.
        return format_hours(value, hours_format, grouped=False) if value else ""
    return "" if value in (None, 0) and name in COUNT_FIELDS else str(value)


class FlightForm(forms.Form):
    """Every field a pilot may enter; `flight` (to correct one) fills them with what is stored, hours written
    in `hours_format` (the pilot's preference)."""

    def __init__(self, *args, flight: Flight | None = None, hours_format=DEFAULT_HOURS_FORMAT, **kwargs):
        if flight is not None:
            kwargs["initial"] = {name: _shown(flight, name, hours_format) for name in EDITABLE_FIELDS}
        super().__init__(*args, **kwargs)
        for name in EDITABLE_FIELDS:
            self.fields[name] = _field(name)
        if flight is None:
            self.fields["simulator_type"].initial = SimulatorType.REAL

    def typed(self) -> dict:
        """What the pilot typed, field by field, for the logbook to read (all of it on a new flight, the
        changed fields on a correction)."""
        names = self.changed_data if self.initial else EDITABLE_FIELDS
        return {name: self.data.get(name, "") for name in names}

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in SECTIONS]

    def show_problems(self, problems: list[dict]) -> None:
        for problem in problems:
            self.add_error(problem["field"] if problem.get("field") in self.fields else None, problem["reason"])

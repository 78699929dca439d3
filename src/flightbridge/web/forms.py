"""The flight page's edit form: renders and parses the pilot's corrections; `logbook.services.edit_flight`
checks and stores them."""

from django import forms

from flightbridge.logbook.models import Flight
from flightbridge.logbook.services import EDITABLE_FIELDS


class FlightForm(forms.ModelForm):
    class Meta:
        model = Flight
        fields = EDITABLE_FIELDS
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "remarks": forms.Textarea(attrs={"rows": 3}),
            "route": forms.TextInput(),
        }
        labels = {
            "departure": "From", "destination": "To", "tail_number": "Aircraft (tail number)",
            "simulator_type": "Aircraft or training device", "total_flight_time": "Total time", "pic": "PIC",
            "sic": "SIC", "cross_country": "Cross-country", "imc": "Actual instrument",
            "simulated_ifr": "Simulated instrument", "dual": "Dual received", "cfi": "Instructor (CFI)",
            "ground_sim": "Simulator / ground time", "flight_rules": "Flight rules (VFR or IFR)",
            "pic_name": "PIC name", "sic_name": "SIC name",
        }

"""`/api/me/preferences`: the signed-in pilot's display preferences. Thin: each route calls a service.

Presentation only: no other route's answer changes with them; hours in the API stay exact decimals.
"""

from __future__ import annotations

from ninja import Router, Schema

from flightbridge.accounts import services
from flightbridge.accounts.display import HoursFormat

router = Router(tags=["accounts"])


class PreferencesOut(Schema):
    hours_format: HoursFormat  # two_decimals | one_decimal | adaptive | hhmm


class PreferencesIn(Schema):
    hours_format: HoursFormat


@router.get("/me/preferences", response=PreferencesOut, summary="How the pages write hours for you")
def preferences(request):
    return {"hours_format": services.hours_format_of(request.auth)}


@router.patch("/me/preferences", response=PreferencesOut,
              summary="Choose how the pages write hours (presentation only; the API keeps exact decimals)")
def update_preferences(request, payload: PreferencesIn):
    return {"hours_format": services.set_hours_format(request.auth, payload.hours_format.value)}

"""Hand edits of aircraft models (the API's create and update), with a preview that writes nothing.

A model's `external_id` and `external_data_source` go together and are unique as a pair: they are
what a sync matches on, so a hand edit may set them but never break the pairing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from flightbridge.errors import Conflict, InputError
from flightbridge.fleet.mapping import EMPTY, current_values, diff_fields, preview_model_changes
from flightbridge.fleet.models import SYNCABLE_FIELDS, AircraftModel

EXTERNAL_FIELDS = ("external_id", "external_data_source")
EDITABLE_FIELDS = SYNCABLE_FIELDS + EXTERNAL_FIELDS


@dataclass
class ModelChange:
    action: str  # created / updated / unchanged, or create / update / unchanged in a preview
    changes: dict[str, list]
    model: AircraftModel | None
    preview: bool


def save_model(model: AircraftModel | None, data: dict[str, Any], *, preview: bool) -> ModelChange:
    """Create (model None) or update a model by hand; with `preview` compute the changes and write nothing."""
    incoming = {name: value for name, value in data.items() if name in EDITABLE_FIELDS}
    if model is None:
        if not (incoming.get("name") or "").strip():
            raise InputError("Field name is required to create an aircraft model.",
                             [{"field": "name", "reason": "required"}])
    elif "name" in incoming and not (incoming["name"] or "").strip():
        raise InputError("Field name must not be empty.", [{"field": "name", "reason": "must not be empty"}])
    for name in incoming:
        if incoming[name] is None:
            incoming[name] = EMPTY.get(name, "")
    _check_external_pair(model, incoming)
    current = None if model is None else {**current_values(model), **{n: getattr(model, n) for n in EXTERNAL_FIELDS}}
    changes = diff_fields(current, incoming, fields=EDITABLE_FIELDS)
    if preview:
        action = "create" if model is None else ("update" if changes else "unchanged")
        return ModelChange(action=action, changes=changes, model=model, preview=True)
    if model is not None and not changes:
        return ModelChange(action="unchanged", changes={}, model=model, preview=False)
    try:
        with transaction.atomic():
            if model is None:
                model = AircraftModel.objects.create(**incoming)
                action = "created"
            else:
                for name, (_old, new) in changes.items():
                    setattr(model, name, new)
                model.save(update_fields=[*changes, "updated_at"])
                action = "updated"
    except IntegrityError:
        raise Conflict("Another aircraft model already has this external_data_source and external_id.") from None
    return ModelChange(action=action, changes=changes, model=model, preview=False)


def _check_external_pair(model: AircraftModel | None, incoming: dict[str, Any]) -> None:
    external_id = incoming.get("external_id", model.external_id if model else "")
    source = incoming.get("external_data_source", model.external_data_source if model else "")
    if bool(external_id) != bool(source):
        missing = "external_data_source" if external_id else "external_id"
        raise InputError(f"Field {missing} is required when the other of external_id / external_data_source is set.",
                         [{"field": missing, "reason": "external_id and external_data_source go together"}])
    if external_id:
        clash = AircraftModel.objects.filter(external_data_source=source, external_id=external_id)
        if model is not None:
            clash = clash.exclude(pk=model.pk)
        if clash.exists():
            raise Conflict(f"Aircraft model {clash.first().pk} already has external_data_source {source!r} and "
                           f"external_id {external_id!r}; that pair must be unique.")


def shown_changes(change: ModelChange, *, include_old: bool) -> dict[str, dict]:
    return preview_model_changes(change.changes, include_old=include_old)

"""Pure functions from a remote aircraft model record to our fields, and from two states to a diff.

No database, no network: `map_remote_record` checks one record of the documented JSON format
(docs/fleet.md) and `diff_fields` / `preview_model_changes` say what would change. A field the remote
record leaves out is left alone (the source only owns what it sends); a field sent as null is cleared.
"""

from __future__ import annotations

from typing import Any

from flightbridge.errors import BadRecord
from flightbridge.fleet.models import SYNCABLE_FIELDS
from flightbridge.text import has_lone_surrogate, printable

TEXT_LIMITS = {"name": 200, "manufacturer": 200, "model_number": 100}
EXTERNAL_ID_LIMIT = 200
#: what a cleared (null) field becomes
EMPTY = {"name": "", "manufacturer": "", "model_number": "", "description": "", "specifications": {},
         "maintenance_requirements": [], "external_id": "", "external_data_source": ""}


def external_id_of(record: Any) -> str:
    """The record's external id as text, or "" when it has none we can use."""
    if not isinstance(record, dict):
        return ""
    value = record.get("external_id")
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (int, str)):
        return str(value).strip()
    return ""


def map_remote_record(record: Any, *, position: int, source: str) -> tuple[str, dict[str, Any]]:
    """Return `(external_id, fields)` for one remote record, or raise `BadRecord` naming it and the field.

    `position` (1-based, in the whole feed) names a record that has no usable external id.
    """
    label = f"{source} #{position}"
    if not isinstance(record, dict):
        raise BadRecord("is not a JSON object", record=label)
    for name, value in record.items():
        if has_lone_surrogate(name) or has_lone_surrogate(value):
            # Refused at the edge: stored once, such text broke the admin pages for good (issue 13).
            raise BadRecord("contains text that is not valid Unicode (a lone surrogate)", record=label,
                            field=printable(str(name)))
    external_id = external_id_of(record)
    if not external_id:
        raw = record.get("external_id")
        reason = "is missing" if raw in (None, "") else f"must be a non-empty string or integer, not {type(raw).__name__}"
        raise BadRecord(f"{reason}; without it the model cannot be matched", record=label, field="external_id")
    if len(external_id) > EXTERNAL_ID_LIMIT:
        raise BadRecord(f"is longer than {EXTERNAL_ID_LIMIT} characters", record=label, field="external_id")
    label = f"{source}:{external_id}"
    fields: dict[str, Any] = {}
    for name in SYNCABLE_FIELDS:
        if name not in record:
            continue
        fields[name] = _clean(name, record[name], label)
    if "name" in fields and not fields["name"]:
        raise BadRecord("must not be empty", record=label, field="name")
    return external_id, fields


def _clean(name: str, value: Any, label: str) -> Any:
    if value is None:
        return EMPTY[name]
    if name in TEXT_LIMITS or name == "description":
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise BadRecord(f"must be a string, not {type(value).__name__}", record=label, field=name)
        text = str(value).strip()
        limit = TEXT_LIMITS.get(name)
        if limit and len(text) > limit:
            raise BadRecord(f"is longer than {limit} characters", record=label, field=name)
        return text
    if name == "specifications":
        if not isinstance(value, dict):
            raise BadRecord(f"must be a JSON object, not {type(value).__name__}", record=label, field=name)
        return value
    # maintenance_requirements: a list of tasks, or an object keyed by task; both are real-world shapes
    if not isinstance(value, (list, dict)):
        raise BadRecord(f"must be a JSON array or object, not {type(value).__name__}", record=label, field=name)
    return value


def current_values(model) -> dict[str, Any]:
    """The syncable fields of a stored model (or of any object with those attributes)."""
    return {name: getattr(model, name) for name in SYNCABLE_FIELDS}


def diff_fields(current: dict[str, Any] | None, incoming: dict[str, Any],
                fields: tuple[str, ...] = SYNCABLE_FIELDS) -> dict[str, list]:
    """`{field: [old, new]}` for each incoming field that differs; old is None for a new model."""
    changes: dict[str, list] = {}
    for name in fields:
        if name not in incoming:
            continue
        new = incoming[name]
        if current is None:
            if new != EMPTY[name]:
                changes[name] = [None, new]
            continue
        old = current.get(name)
        if old != new:
            changes[name] = [old, new]
    return changes


def preview_model_changes(changes: dict[str, list], *, include_old: bool) -> dict[str, dict]:
    """The preview shape `{field: {"old": …, "new": …}}`; "old" only for callers who may read models."""
    shown: dict[str, dict] = {}
    for name, (old, new) in changes.items():
        shown[name] = {"old": old, "new": new} if include_old else {"new": new}
    return shown

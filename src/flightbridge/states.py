"""Status state machines: each model keeps one table of allowed moves; this module makes the moves.

A move is a conditional UPDATE (`… WHERE status IN (the statuses that may move there)`), so two
processes racing to move the same row cannot both win, and no code path can skip the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet


class IllegalTransition(Exception):
    """No status may move to the requested one: a programming error, not a race."""


def statuses_leading_to(transitions: Mapping[str, frozenset[str] | set[str]], to: str) -> list[str]:
    allowed_from = [status for status, targets in transitions.items() if to in targets]
    if not allowed_from:
        raise IllegalTransition(f"no status may move to {to!r}")
    return allowed_from


def move_status(rows: QuerySet, transitions: Mapping[str, frozenset[str] | set[str]], to: str, **fields: Any) -> bool:
    """Move the one row in `rows` to `to` (with `fields`) if its current status allows it; False when not."""
    return rows.filter(status__in=statuses_leading_to(transitions, to)).update(status=to, **fields) == 1

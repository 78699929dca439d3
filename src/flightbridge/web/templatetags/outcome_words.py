"""An importer's outcome code as the pilot reads it (logbook/outcomes.py): `{{ row.outcome|outcome_word:result.preview }}`."""

from django import template

from flightbridge.logbook import outcomes

register = template.Library()


@register.filter
def outcome_word(code, preview=False) -> str:
    return outcomes.word(str(code), preview=bool(preview))


@register.filter
def outcome_tone(code) -> str:
    return outcomes.TONE.get(outcomes.word(str(code)), "")

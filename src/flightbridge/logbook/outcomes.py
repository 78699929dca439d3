"""One vocabulary for what an import did with each record, on every page and in every message.

The importers and the API keep their own short codes (`created`, `imported`, `linked`, `skipped`,
`failed`, …: clients read them). A pilot reads five words, whichever importer ran: **new**,
**updated**, **unchanged**, **already in the logbook** (the record is here already, from this source or
another: linked to a flight entered by hand, repeated, this logbook's own export, changed at the source
and kept as the pilot has it) and **not imported** (always with its reason). A preview, which has saved
nothing, says what *would* happen: "would be created", "would be updated", "would not be imported".
"""

from __future__ import annotations

NEW = "new"
UPDATED = "updated"
UNCHANGED = "unchanged"
ALREADY = "already in the logbook"
NOT_IMPORTED = "not imported"
WORDS = (NEW, UPDATED, UNCHANGED, ALREADY, NOT_IMPORTED)

#: Every importer's code → the pilot's word.
OF_CODE = {
    "created": NEW, "imported": NEW, "new": NEW,
    "updated": UPDATED,
    "unchanged": UNCHANGED,
    "linked": ALREADY, "changed-kept": ALREADY, "skipped": ALREADY, "already": ALREADY, "duplicate": ALREADY,
    "failed": NOT_IMPORTED, "refused": NOT_IMPORTED, "rejected": NOT_IMPORTED,
}
PREVIEW = {NEW: "would be created", UPDATED: "would be updated", UNCHANGED: UNCHANGED, ALREADY: ALREADY,
           NOT_IMPORTED: "would not be imported"}
#: How each word is marked on a page (the stylesheet's status classes).
TONE = {NEW: "status-ok", UPDATED: "status-ok", UNCHANGED: "muted", ALREADY: "muted", NOT_IMPORTED: "status-bad"}


def word(code: str, *, preview: bool = False) -> str:
    """The pilot's word for an importer's outcome code (the code itself if it is not one)."""
    said = OF_CODE.get(code, code)
    return PREVIEW.get(said, said) if preview else said


def tally(counts: dict[str, int]) -> dict[str, int]:
    """An importer's counts by code, summed by word, in the vocabulary's order."""
    summed = {name: 0 for name in WORDS}
    for code, count in counts.items():
        said = OF_CODE.get(code)
        if said is not None and isinstance(count, int):
            summed[said] += count
    return summed


def sentence(counts: dict[str, int], *, preview: bool = False) -> str:
    """"3 new, 1 updated, 2 unchanged, 1 already in the logbook, 1 not imported" (words with a count only;
    "nothing" when every count is 0). A preview says "3 would be created, …"."""
    summed = tally(counts)
    parts = [f"{summed[name]} {PREVIEW[name] if preview else name}" for name in WORDS if summed[name]]
    return ", ".join(parts) if parts else "nothing"

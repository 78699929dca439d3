"""The logbook app is the only writer of `Flight` rows (issue 11): every other app hands it plain data
through `logbook/ingest.py`. This scans the source with `ast`, so a new importer that writes flights
its own way fails here, with the file and line."""

from __future__ import annotations

import ast
from pathlib import Path

import flightbridge

SRC = Path(flightbridge.__file__).resolve().parent
OWNER_APP = SRC / "logbook"
WRITE_METHODS = {"create", "bulk_create", "update", "bulk_update", "update_or_create", "get_or_create", "delete",
                 "save", "raw"}


def _mentions_flight(node: ast.AST) -> bool:
    return any(isinstance(child, ast.Name) and child.id == "Flight" for child in ast.walk(node))


def flight_writes(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for each place the module writes Flight rows or builds one to save."""
    found: list[tuple[int, str]] = []
    from_flights: set[str] = set()  # names bound to something read from Flight.objects
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and _mentions_flight(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            from_flights.update(target.id for target in targets if isinstance(target, ast.Name))
        if isinstance(node, (ast.For, ast.comprehension)) and _mentions_flight(node.iter) and isinstance(node.target, ast.Name):
            from_flights.add(node.target.id)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "Flight":
            found.append((node.lineno, "Flight(...)"))
        elif isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS:
            receiver = func.value
            if _mentions_flight(receiver) and any(isinstance(n, ast.Attribute) and n.attr == "objects" for n in ast.walk(receiver)):
                found.append((node.lineno, f"Flight.objects….{func.attr}()"))
            elif isinstance(receiver, ast.Name) and receiver.id in from_flights:
                found.append((node.lineno, f"{receiver.id}.{func.attr}()"))
    return found


def test_the_scanner_finds_each_kind_of_write():
    source = """
from flightbridge.logbook.models import Flight
Flight.objects.create(date=None)
Flight.objects.filter(owner=1).update(remarks="x")
Flight.objects.bulk_create([Flight(date=None)])
flight = Flight.objects.get(pk=1)
flight.save()
for row in Flight.objects.all():
    row.delete()
"""
    assert sorted(flight_writes(ast.parse(source))) == [
        (3, "Flight.objects….create()"), (4, "Flight.objects….update()"), (5, "Flight(...)"),
        (5, "Flight.objects….bulk_create()"), (7, "flight.save()"), (9, "row.delete()")]
    assert flight_writes(ast.parse("Flight.objects.filter(owner=1).exists()\nrows = list(Flight.objects.all())")) == []


def test_no_flight_is_written_outside_the_logbook_app():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if OWNER_APP in path.parents:
            continue
        for line, what in flight_writes(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            offenders.append(f"{path.relative_to(SRC)}:{line}: {what}")
    assert offenders == [], "Flight rows are written only by the logbook app (logbook/ingest.py):\n" + "\n".join(offenders)

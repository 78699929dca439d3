"""The logbook app is the only writer of its tables (issues 11 and 21): `Flight`, `UserAircraft`, `LogbookImport`,
`CurrencyRecord` and `LogbookTotal`. Every other app hands it plain data (the ingest, `logbook/aircraft.py`,
`logbook/reference_data.py`). This scans the source with `ast`, so a new importer that writes one of them its
own way fails here, with the file and line, whichever way it writes: a model's constructor, the ORM
(create/update/delete/save, on the manager, a queryset or an instance), `flightbridge.bulk.insert_rows`, or
raw SQL naming the table."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import flightbridge
from flightbridge.logbook import models

SRC = Path(flightbridge.__file__).resolve().parent
OWNER_APP = SRC / "logbook"
MODELS = {"Flight", "UserAircraft", "LogbookImport", "CurrencyRecord", "LogbookTotal"}
TABLES = {getattr(models, name)._meta.db_table for name in MODELS}
WRITE_METHODS = {"create", "bulk_create", "update", "bulk_update", "update_or_create", "get_or_create", "delete",
                 "save", "raw"}
_SQL_WRITE = re.compile(r"\b(insert\s+into|update|delete\s+from|truncate|copy)\b[^;]*?\b(" + "|".join(TABLES) + r")\b",
                        re.IGNORECASE | re.DOTALL)


def _model_in(node: ast.AST) -> str | None:
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and child.id in MODELS:
            return child.id
        if isinstance(child, ast.Attribute) and child.attr in MODELS:
            return child.attr
    return None


def logbook_writes(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for each place the module writes one of the logbook's tables or builds a row to save."""
    found: list[tuple[int, str]] = []
    bound: dict[str, str] = {}  # names bound to something read from a logbook model → the model
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and (model := _model_in(node.value)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound.update({target.id: model for target in targets if isinstance(target, ast.Name)})
        if isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.target, ast.Name) and (model := _model_in(node.iter)):
            bound[node.target.id] = model
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and (match := _SQL_WRITE.search(node.value)):
            found.append((node.lineno, f"raw SQL writing {match.group(2)}"))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name in MODELS:
            found.append((node.lineno, f"{name}(...)"))
        elif name == "insert_rows" and node.args and (model := _model_in(node.args[0])):
            found.append((node.lineno, f"insert_rows({model}, …)"))
        elif isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS:
            receiver = func.value
            model = _model_in(receiver)
            if model and any(isinstance(n, ast.Attribute) and n.attr == "objects" for n in ast.walk(receiver)):
                found.append((node.lineno, f"{model}.objects….{func.attr}()"))
            elif isinstance(receiver, ast.Name) and receiver.id in bound:
                found.append((node.lineno, f"{receiver.id}.{func.attr}() ({bound[receiver.id]})"))
    return sorted(found)


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
    assert logbook_writes(ast.parse(source)) == [
        (3, "Flight.objects….create()"), (4, "Flight.objects….update()"), (5, "Flight(...)"),
        (5, "Flight.objects….bulk_create()"), (7, "flight.save() (Flight)"), (9, "row.delete() (Flight)")]
    assert logbook_writes(ast.parse("Flight.objects.filter(owner=1).exists()\nrows = list(Flight.objects.all())")) == []


PLANTED = {
    "ORM create": "{model}.objects.create(owner=user)",
    "ORM update (instance save)": "row = {model}.objects.get(pk=1)\nrow.save()",
    "ORM delete (instance)": "row = {model}.objects.get(pk=1)\nrow.delete()",
    "queryset update": "{model}.objects.filter(owner=user).update(source='x')",
    "queryset delete": "{model}.objects.filter(owner=user).delete()",
    "manager update_or_create": "{model}.objects.update_or_create(owner=user, defaults={{}})",
    "insert_rows": "from flightbridge.bulk import insert_rows\ninsert_rows({model}, [{{'owner_id': 1}}])",
    "module-qualified model": "from flightbridge.logbook import models\nmodels.{model}.objects.filter(pk=1).delete()",
    "raw SQL": "cursor.execute('DELETE FROM {table} WHERE id = %s', [1])",
}


@pytest.mark.parametrize("model", sorted(MODELS))
@pytest.mark.parametrize("way", sorted(PLANTED))
def test_each_forbidden_write_planted_outside_the_logbook_is_found(model, way):
    table = getattr(models, model)._meta.db_table
    source = PLANTED[way].format(model=model, table=table)
    found = logbook_writes(ast.parse(source))
    assert found, f"{way} of {model} was not found in:\n{source}"
    assert all(model in what or table in what for _, what in found), found
    # Reading is never a write.
    assert logbook_writes(ast.parse(f"{model}.objects.filter(pk=1).exists()\n"
                                    f"cursor.execute('SELECT id FROM {table}')")) == []


def test_no_logbook_table_is_written_outside_the_logbook_app():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if OWNER_APP in path.parents:
            continue
        for line, what in logbook_writes(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            offenders.append(f"{path.relative_to(SRC)}:{line}: {what}")
    assert offenders == [], ("The logbook's tables are written only by the logbook app (logbook/ingest.py, "
                             "logbook/aircraft.py, logbook/reference_data.py):\n" + "\n".join(offenders))

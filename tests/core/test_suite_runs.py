"""The suite runs once per database (scripts/test.py): a test that touches no database, and a page driven in chromium,
run in the first run only."""

from __future__ import annotations

import ast
from types import SimpleNamespace

from tests.conftest import REPO_ROOT, runs_once, touches_the_database


def _item(markers=(), fixtures=()):
    return SimpleNamespace(get_closest_marker=lambda name: object() if name in markers else None,
                           fixturenames=list(fixtures))


def test_what_counts_as_touching_the_database():
    assert touches_the_database(_item(markers={"django_db"}))
    assert touches_the_database(_item(fixtures={"db"}))
    assert touches_the_database(_item(fixtures={"live_server", "page"}))
    assert touches_the_database(_item(markers={"multiprocess", "every_database"}))
    # The session-wide setup is every test's fixture; it alone is not a use of the database.
    assert not touches_the_database(_item(fixtures={"django_db_setup", "tmp_path"}))
    assert not touches_the_database(_item(markers={"multiprocess"}))


def test_what_runs_once():
    assert runs_once(_item(fixtures={"tmp_path"}))
    assert runs_once(_item(markers={"browser"}, fixtures={"live_server", "page"}))  # the pages: on the first database
    assert not runs_once(_item(fixtures={"db"}))
    assert not runs_once(_item(markers={"multiprocess", "every_database"}))


def _calls(function: ast.FunctionDef, name: str) -> bool:
    return any(isinstance(node, ast.Call) and getattr(node.func, "id", None) == name for node in ast.walk(function))


def _marked(function: ast.FunctionDef, marker: str) -> bool:
    return any(isinstance(decorator, ast.Attribute) and decorator.attr == marker for decorator in function.decorator_list)


def test_every_test_installing_onto_a_fresh_database_runs_on_each_database():
    """fresh_database() gives a child process the configured database: such a test must run on PostgreSQL too."""
    unmarked, found = [], 0
    for path in sorted((REPO_ROOT / "tests").rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_") and _calls(node, "fresh_database"):
                found += 1
                if not _marked(node, "every_database"):
                    unmarked.append(f"{path.relative_to(REPO_ROOT)}::{node.name}")
    assert found >= 1 and unmarked == []

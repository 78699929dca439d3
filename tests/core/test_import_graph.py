"""No app imports itself in a circle: `scripts/import_graph.py` reads every module with `ast` and says so."""

import ast
import subprocess
import sys
import textwrap

from tests.conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import import_graph  # noqa: E402


def test_no_app_has_an_import_cycle():
    result = subprocess.run([sys.executable, "scripts/import_graph.py"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    # The graph is really read: the sync's job kind wires the sync and the stored tokens, not the other way.
    assert "  myflightbook.jobs -> myflightbook.remote_memory, myflightbook.sync, myflightbook.tokens\n" in result.stdout
    # The sync is a driver of its steps' modules; the report reads them and imports none of them.
    assert ("  myflightbook.sync -> myflightbook.client, myflightbook.flights, myflightbook.reference_data, "
            "myflightbook.remote_memory, myflightbook.run_report, myflightbook.schedule\n") in result.stdout
    assert "  myflightbook.run_report -> (nothing in the app)\n" in result.stdout
    # The scheduler asks for jobs; nothing the sync imports points back at it.
    assert "  myflightbook.tasks -> myflightbook.autosync\n" in result.stdout


def test_a_late_import_inside_a_function_still_counts_as_a_cycle():
    known = {"flightbridge.shop", "flightbridge.shop.orders", "flightbridge.shop.tasks", "flightbridge.other"}
    orders = ast.parse(textwrap.dedent("""
        from flightbridge.shop import tasks
        from flightbridge import other
    """))
    tasks = ast.parse(textwrap.dedent("""
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from flightbridge.shop.orders import Order  # not a runtime import
        def run():
            from . import orders
    """))
    graph = {
        "flightbridge.shop.orders": import_graph.imported_names(orders, "flightbridge.shop.orders", False, known),
        "flightbridge.shop.tasks": import_graph.imported_names(tasks, "flightbridge.shop.tasks", False, known),
    }
    assert graph["flightbridge.shop.orders"] == {"flightbridge.shop.tasks", "flightbridge.other"}
    assert graph["flightbridge.shop.tasks"] == {"flightbridge.shop.orders"}
    assert import_graph.cycles_in(graph) == [["flightbridge.shop.orders", "flightbridge.shop.tasks"]]
    del graph["flightbridge.shop.tasks"]
    assert import_graph.cycles_in(graph) == []


def test_a_cycle_between_apps_and_root_modules_is_found():
    # Issue 21's own case: the login lockout imported the pages' refusal, which imported the API, which mounts
    # the accounts app's routes.
    graph = {
        "flightbridge.accounts.lockout": {"flightbridge.web.refusals"},
        "flightbridge.web.refusals": {"flightbridge.api"},
        "flightbridge.api": {"flightbridge.accounts.services", "flightbridge.errors"},
        "flightbridge.accounts.services": set(),
        "flightbridge.errors": set(),
    }
    assert import_graph.app_cycles(graph) == {}  # no cycle inside any one app
    assert import_graph.unit_cycles(graph) == [["accounts", "flightbridge.api", "web"]]
    assert import_graph.arrows_up(graph) == [("flightbridge.web.refusals", "flightbridge.api")]
    graph["flightbridge.web.refusals"] = {"flightbridge.problems"}  # the low-level module the fix added
    graph["flightbridge.problems"] = set()
    assert import_graph.unit_cycles(graph) == [] and import_graph.arrows_up(graph) == []


def test_the_source_has_no_arrow_back_up():
    graph = import_graph.build_graph()
    assert import_graph.unit_cycles(graph) == []
    assert import_graph.arrows_up(graph) == []
    # The CSV reader no longer reaches into the MyFlightbook app for a route's airports.
    assert not any(target.startswith("flightbridge.myflightbook") for target in graph["flightbridge.interchange.reading"])
    assert "flightbridge.api" not in graph["flightbridge.accounts.lockout"] | graph["flightbridge.web.middleware"]


def test_a_migration_that_imports_live_app_code_is_named():
    graph = {
        "flightbridge.logbook.migrations.0008_fill": {"flightbridge.logbook.migrations._frozen_rules"},
        "flightbridge.logbook.migrations.0009_recount": {"flightbridge.myflightbook.mapping", "flightbridge.errors"},
        "flightbridge.logbook.migrations": set(),
    }
    assert import_graph.live_code_in_migrations(graph) == [
        ("flightbridge.logbook.migrations.0009_recount", "flightbridge.errors"),
        ("flightbridge.logbook.migrations.0009_recount", "flightbridge.myflightbook.mapping")]
    # The source's migrations run their own frozen copies (issue 21: 0008 and 0012 imported the sync's mapping).
    real = import_graph.migration_graph()
    assert real["flightbridge.logbook.migrations.0012_night_landings_capped"] == {
        "flightbridge.logbook.migrations._frozen_mfb_record"}
    assert import_graph.live_code_in_migrations(real) == []

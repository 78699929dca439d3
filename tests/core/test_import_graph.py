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
    assert "  myflightbook.jobs -> myflightbook.quick, myflightbook.sync, myflightbook.tokens\n" in result.stdout
    assert ("  myflightbook.sync -> myflightbook.client, myflightbook.currency, myflightbook.mapping, myflightbook.quick, "
            "myflightbook.schedule, myflightbook.totals, myflightbook.tripwire\n") in result.stdout
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

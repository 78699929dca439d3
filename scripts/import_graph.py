#!/usr/bin/env python3
"""Print the import graph of src/flightbridge per app, and exit 1 on any import cycle or an arrow back up.

    python3 scripts/import_graph.py            # every app: its modules, what each imports inside the app
    python3 scripts/import_graph.py --cycles   # only the problems (nothing printed when there are none)

Read with `ast`, nothing is imported or run. Every import counts, at the top of a module or inside a
function (a late import is still a dependency; hiding a cycle in a function is what this catches),
except those under `if TYPE_CHECKING:`. An "app" is a top-level package of flightbridge (`fleet`,
`myflightbook`, ...); the modules directly in flightbridge/ (`errors`, `locks`, ...) are listed as the
app `flightbridge`. Migrations are left out of the graph and checked on their own. Four checks (issue 21):

- no cycle among the modules of one app;
- no cycle between apps and root modules, each root module (`flightbridge.api`, `flightbridge.errors`, ...)
  counted on its own: `accounts -> web -> flightbridge.api -> accounts` is one;
- nothing imports the top layer (`TOP`: the API that mounts every app's routes, the URL map, the WSGI
  entry) except the top layer itself: a lower layer that needs something from there needs a lower module;
- no migration imports the apps' live code: it carries a frozen copy of what it runs (in itself, or in a
  private `_…` module beside it), or an old migration would do something else whenever that code changed.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "flightbridge"
SOURCE = ROOT / "src" / PACKAGE


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def app_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) >= 2 and (SOURCE / parts[1]).is_dir():
        return parts[1]
    return PACKAGE


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_names(tree: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The flightbridge modules `module` imports (resolving relative imports and `from pkg import submodule`)."""
    found: set[str] = set()

    def resolve(target: str) -> str | None:
        # The longest known module that `target` names or lies inside of.
        while target:
            if target in known:
                return target
            target = target.rpartition(".")[0]
        return None

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE and (hit := resolve(alias.name)):
                    found.add(hit)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = module.split(".") if is_package else module.split(".")[:-1]
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != PACKAGE:
                return
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                hit = submodule if submodule in known else resolve(base)
                if hit:
                    found.add(hit)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    found.discard(module)
    return found


def build_graph() -> dict[str, set[str]]:
    paths = sorted(path for path in SOURCE.rglob("*.py") if "migrations" not in path.parts)
    known = {module_name(path) for path in paths}
    graph: dict[str, set[str]] = {}
    for path in paths:
        name = module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        graph[name] = imported_names(tree, name, path.name == "__init__.py", known)
    return graph


def migration_graph() -> dict[str, set[str]]:
    """What each module under a `migrations` folder imports from flightbridge (late imports too)."""
    every = sorted(SOURCE.rglob("*.py"))
    known = {module_name(path) for path in every}
    graph: dict[str, set[str]] = {}
    for path in every:
        if "migrations" in path.parts:
            name = module_name(path)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            graph[name] = imported_names(tree, name, path.name == "__init__.py", known)
    return graph


def live_code_in_migrations(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(migration, module) for every import a migration makes outside its own migrations folder."""
    found = []
    for module, targets in graph.items():
        home = module if module.endswith(".migrations") else module.rpartition(".")[0]
        found.extend((module, target) for target in targets if target != home and target.rpartition(".")[0] != home)
    return sorted(found)


def cycles_in(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def app_cycles(graph: dict[str, set[str]]) -> dict[str, list[list[str]]]:
    """Cycles among the modules of each app, counting only imports that stay inside the app."""
    apps: dict[str, dict[str, set[str]]] = {}
    for module, targets in graph.items():
        app = app_of(module)
        apps.setdefault(app, {})[module] = {target for target in targets if app_of(target) == app}
    return {app: cycles for app, inner in sorted(apps.items()) if (cycles := cycles_in(inner))}


#: The modules that assemble the apps; nothing below them may import them.
TOP = frozenset({f"{PACKAGE}.api", f"{PACKAGE}.urls", f"{PACKAGE}.wsgi"})


def unit_of(module: str) -> str:
    """An app, or a root module on its own (`flightbridge.errors`): the units the layer checks compare."""
    app = app_of(module)
    return module if app == PACKAGE else app


def unit_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    units: dict[str, set[str]] = {}
    for module, targets in graph.items():
        unit = unit_of(module)
        units.setdefault(unit, set()).update(unit_of(target) for target in targets if unit_of(target) != unit)
    return units


def unit_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles between apps and root modules."""
    return cycles_in(unit_graph(graph))


def arrows_up(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(module, top module) for every import of the top layer from below it."""
    return sorted((module, target) for module, targets in graph.items() if module not in TOP
                  for target in targets if target in TOP)


def short(module: str) -> str:
    return module.removeprefix(PACKAGE + ".") or PACKAGE


def print_graph(graph: dict[str, set[str]]) -> None:
    by_app: dict[str, list[str]] = {}
    for module in sorted(graph):
        by_app.setdefault(app_of(module), []).append(module)
    for app, modules in sorted(by_app.items()):
        print(f"{app}:")
        outside: set[str] = set()
        for module in modules:
            inside = sorted(short(t) for t in graph[module] if app_of(t) == app)
            outside |= {app_of(t) for t in graph[module] if app_of(t) != app}
            print(f"  {short(module)} -> {', '.join(inside) if inside else '(nothing in the app)'}")
        print(f"  uses apps: {', '.join(sorted(outside)) or '(none)'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", action="store_true", help="print only the cycles")
    args = parser.parse_args(argv)
    graph = build_graph()
    if not args.cycles:
        print_graph(graph)
    cycles = app_cycles(graph)
    for app, found in cycles.items():
        for cycle in found:
            print(f"CYCLE in {app}: {' <-> '.join(short(module) for module in cycle)}", file=sys.stderr)
    between = unit_cycles(graph)
    for cycle in between:
        print(f"CYCLE between apps: {' <-> '.join(short(unit) for unit in cycle)}", file=sys.stderr)
    up = arrows_up(graph)
    for module, target in up:
        print(f"UP: {short(module)} imports {short(target)}, which assembles the apps", file=sys.stderr)
    live = live_code_in_migrations(migration_graph())
    for module, target in live:
        print(f"LIVE CODE in a migration: {short(module)} imports {short(target)} (freeze a copy beside it)", file=sys.stderr)
    return 1 if cycles or between or up or live else 0


if __name__ == "__main__":
    sys.exit(main())

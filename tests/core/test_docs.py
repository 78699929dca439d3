"""The README and the guides in docs/ say true things: their links lead somewhere, the commands they
name exist under that spelling, every environment variable the code reads is documented, and the
commands an operator copies from them run.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from django.core.management import get_commands

from tests.conftest import REPO_ROOT
from tests.core.fresh_install import BASE_PYTHON, FLIGHTBRIDGE, fresh_env, run

DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^```.*?^```", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]+`")
LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)\)")
COMMAND = re.compile(r"(?<![\w./<-])flightbridge ([a-z][a-z0-9_-]*)")
VARIABLE = re.compile(r"""["']((?:FLIGHTBRIDGE|MFB|MODEL_SOURCE)_[A-Z0-9_]+)["']""")


def prose(text: str) -> str:
    return INLINE_CODE.sub("", FENCE.sub("", text))


def code(text: str) -> str:
    return "\n".join(FENCE.findall(text) + INLINE_CODE.findall(FENCE.sub("", text)))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {slug(line.lstrip("#")) for line in FENCE.sub("", path.read_text()).splitlines() if line.startswith("#")}


def relative_links() -> list[tuple[Path, str]]:
    return [(doc, target) for doc in DOCS for target in LINK.findall(prose(doc.read_text()))
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target)]


def test_the_guides_exist_and_the_readme_links_each():
    readme = (REPO_ROOT / "README.md").read_text()
    for guide in ("docs/pilots.md", "docs/operators.md", "docs/developers.md"):
        assert (REPO_ROOT / guide).is_file(), guide
        assert f"]({guide})" in readme, guide
    assert "python3 scripts/demo.py" in readme and "python3 scripts/test.py" in readme
    assert "](docs/screenshots/logbook-1280.png)" in readme


def test_every_relative_link_leads_to_a_file_and_heading():
    links = relative_links()
    assert len(links) > 30  # the guides link each other; a broken regex would find none
    missing, bad_anchors = [], []
    for doc, target in links:
        path_part, _, fragment = target.partition("#")
        path = (doc.parent / path_part).resolve() if path_part else doc
        where = f"{doc.relative_to(REPO_ROOT)} → {target}"
        if not path.exists():
            missing.append((str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path), where))
        elif fragment and path.suffix == ".md" and fragment not in anchors(path):
            bad_anchors.append(where)
    assert bad_anchors == []
    assert [where for _, where in missing] == []


def test_every_command_the_docs_name_exists_under_that_spelling():
    named = {(doc.name, name) for doc in DOCS for name in COMMAND.findall(code(doc.read_text()))}
    assert {name for _, name in named} >= {"serve", "worker", "migrate", "createsuperuser", "token", "mfb_sandbox",
                                           "model_source_sandbox", "rotate_keys", "registry", "export_logger"}
    commands = get_commands()
    assert sorted((doc, name) for doc, name in named if name not in commands) == []


def test_every_environment_variable_the_code_reads_is_in_a_guide():
    read = {name for path in (REPO_ROOT / "src").rglob("*.py") for name in VARIABLE.findall(path.read_text())}
    assert {"FLIGHTBRIDGE_DATA_DIR", "MFB_CLIENT_ID", "FLIGHTBRIDGE_LOGGER_MAX_LINK_LENGTH"} <= read
    operators = (REPO_ROOT / "docs" / "operators.md").read_text()
    developers = (REPO_ROOT / "docs" / "developers.md").read_text()
    assert sorted(name for name in read if f"`{name}`" not in operators + developers) == []
    table = [line for line in operators.splitlines() if line.startswith("| `")]
    runtime = {name for name in read if not name.startswith("FLIGHTBRIDGE_TEST_")}
    assert sorted(name for name in runtime if not any(line.startswith(f"| `{name}`") for line in table)) == []


#: (command as the docs write it, text its output must contain). Run in this order on a fresh install.
DOCUMENTED_COMMANDS = [
    ("flightbridge --help", "mfb_sandbox"),
    ("flightbridge serve --help", "--no-worker"),
    ("flightbridge mfb_sandbox --help", "--flights"),
    ("flightbridge model_source_sandbox --help", "default 8766"),
    ("python3 scripts/demo.py --help", "Run the offline demo"),
    ("python3 scripts/test.py --help", "--db"),
    ("python3 benchmarks/run.py --help", "--quick"),
    ("python3 benchmarks/run.py --list", "bench_registry:bench_registry_load_and_lookup"),
    ("flightbridge migrate", "Apply all migrations"),
    ("flightbridge createsuperuser --noinput --username admin --email admin@example.com", "Superuser created successfully."),
    ("flightbridge token create admin --name laptop", ""),
    ("flightbridge token list", "laptop"),
    ("flightbridge registry status", "No FAA registry loaded"),
    ("flightbridge rotate_keys", "re-sealed 0 secret(s)"),
]


def test_the_documented_commands_are_written_in_the_docs():
    written = "\n".join(code(doc.read_text()) for doc in DOCS)
    for command, _expected in DOCUMENTED_COMMANDS:
        assert command in written or command.removesuffix(" --help") in written, command


@pytest.mark.multiprocess
def test_the_documented_commands_run_on_a_fresh_install(tmp_path):
    # As a pilot's laptop runs them, on the data directory's own SQLite file, once: the same install on a fresh
    # PostgreSQL database is tests/core/test_cli.py's test_fresh_install_in_the_documented_order.
    executables = {"flightbridge": FLIGHTBRIDGE, "python3": BASE_PYTHON}
    env = fresh_env(tmp_path / "var", DJANGO_SUPERUSER_PASSWORD="a-long-admin-password-7")
    outputs = {}
    for command, expected in DOCUMENTED_COMMANDS:
        program, *args = shlex.split(command)
        result = run([executables[program], *args], env)
        assert result.returncode == 0, f"{command}: {result.stderr[-2000:]}"
        assert expected in result.stdout, f"{command}: {result.stdout[-2000:]}"
        outputs[command] = result.stdout
    token = outputs["flightbridge token create admin --name laptop"].strip()
    assert len(token.splitlines()) == 1 and len(token) >= 32
    assert token not in outputs["flightbridge token list"]  # listed, never shown again

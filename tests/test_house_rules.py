"""Rules of the house that hold for every file, checked by reading the source: no absolute path
of a machine, no run-time `assert` in the package, no wall-clock read outside the one clock, no
package imported that pyproject.toml does not declare."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
PACKAGE = REPOSITORY / "src" / "stockpool"

# The one clock services are given (bootstrap.utc_now), and the sandbox marketplaces, which stand
# for the platforms' own servers and keep their own time.
CLOCK_ALLOWED = ("bootstrap.py", "sandbox/")


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=REPOSITORY, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"not a git checkout, so no list of tracked files: {error}")
    return [REPOSITORY / name for name in listed.decode().split("\0") if name]


def machine_paths() -> list[Path]:
    """Folders of this machine that a path in the repository must never name: the folder the
    checkout sits in (its siblings, such as ../shared, are reached relatively) and the home."""
    folders = {REPOSITORY.parent, REPOSITORY, Path.home()}
    return sorted(folder for folder in folders if folder != Path(folder.anchor))


def test_no_tracked_file_names_an_absolute_path_of_this_machine() -> None:
    pattern = re.compile(
        "|".join(rf"(?<![\w./~-]){re.escape(str(folder))}(?![\w.-])" for folder in machine_paths())
    )
    found = []
    for path in tracked_files():
        if not path.is_file():
            continue
        for number, line in enumerate(path.read_bytes().decode(errors="replace").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{path.relative_to(REPOSITORY)}:{number}: {line.strip()}")
    assert not found, "absolute paths of this machine (make them relative to the checkout):\n" + (
        "\n".join(found)
    )


def test_no_tracked_file_keeps_a_merge_conflict() -> None:
    """A conflict marker left by a merge renders as text in a template and breaks nothing else
    a linter sees: look for them in every tracked file."""
    marker = re.compile(r"^(<{7} |>{7} |={7}$)")
    found = [
        f"{path.relative_to(REPOSITORY)}:{number}"
        for path in tracked_files()
        if path.is_file()
        for number, line in enumerate(path.read_bytes().decode(errors="replace").splitlines(), 1)
        if marker.match(line)
    ]
    assert not found, "merge conflict markers left behind:\n" + "\n".join(found)


def modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(), str(path))


def test_no_assert_guards_the_package_at_run_time() -> None:
    """`python -O` strips asserts: an invariant raises a named error instead (InvariantBroken
    for our own bugs, a domain error for what a caller or a race can cause)."""
    found = [
        f"{name}:{node.lineno}"
        for name, tree in modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Assert)
    ]
    assert not found, f"assert statements in src/stockpool: {', '.join(found)}"


def _reads_the_wall_clock(node: ast.AST) -> bool:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    owner = node.func.value
    name = owner.id if isinstance(owner, ast.Name) else None
    return (name, node.func.attr) in {
        ("datetime", "now"),
        ("datetime", "utcnow"),
        ("datetime", "today"),
        ("date", "today"),
        ("time", "time"),
    }


def test_only_the_injected_clock_reads_the_wall_clock() -> None:
    """Services and repositories take `now` from the clock they are given (tests move it)."""
    found = [
        f"{name}:{node.lineno}"
        for name, tree in modules()
        if not name.startswith(CLOCK_ALLOWED)
        for node in ast.walk(tree)
        if _reads_the_wall_clock(node)
    ]
    assert not found, f"wall-clock reads outside the injected clock: {', '.join(found)}"


def _declared() -> set[str]:
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + [
        need for extra in project["optional-dependencies"].values() for need in extra
    ]
    return {_normal(re.split(r"[\[=<>~! ;]", need, maxsplit=1)[0]) for need in wanted}


def _normal(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def test_every_package_imported_is_declared() -> None:
    """What src, tests or bench import is in pyproject, not there by luck of another's needs."""
    ours = {"stockpool", "tests", "bench"} | {
        path.stem for folder in ("tests", "bench") for path in (REPOSITORY / folder).rglob("*.py")
    }
    distributions = packages_distributions()
    declared = _declared()
    found = set()
    for folder in ("src", "tests", "bench"):
        for path in (REPOSITORY / folder).rglob("*.py"):
            for module in _imported(ast.parse(path.read_text())):
                if module in sys.stdlib_module_names or module in ours:
                    continue
                names = {_normal(d) for d in distributions.get(module, [module])}
                if not names & declared:
                    found.add(f"{module} ({path.relative_to(REPOSITORY)})")
    assert not found, f"imported but not declared in pyproject.toml: {', '.join(sorted(found))}"


def _imported(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


# Layers: services and entrypoints reach the database only through the ports a unit of work
# gives (services/ports) and the container (bootstrap.py).
STORE_SIDE = ("stockpool.store", "sqlalchemy", "alembic", "psycopg")


def _reaches_into_the_store(tree: ast.Module) -> list[str]:
    named = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            named += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            named.append(node.module)
    return [m for m in named if any(m == s or m.startswith(s + ".") for s in STORE_SIDE)]


def test_services_and_entrypoints_import_the_domain_and_services_only() -> None:
    """Read models are domain types, repositories are Protocols, the store raises domain errors:
    nothing above the store needs to import it, or the database's libraries."""
    reaching = {
        name: imported
        for name, tree in modules()
        if name.startswith(("services/", "entrypoints/"))
        and (imported := _reaches_into_the_store(tree))
    }
    found = [f"{name}: {', '.join(imported)}" for name, imported in reaching.items()]
    assert not found, "import domain types and services.ports instead:\n" + "\n".join(found)


def test_each_layer_imports_only_those_below_it() -> None:
    """The import-linter contracts in pyproject.toml: the domain imports nothing but itself and
    the standard library, the store nothing above it, services neither the store nor the
    entrypoints, entrypoints not the store, and only the CLI the sandbox marketplaces."""
    from importlinter.cli import lint_imports

    config = str(REPOSITORY / "pyproject.toml")
    assert lint_imports(config_filename=config, no_cache=True, no_logo=True) == 0


MODULE_MAX, FUNCTION_MAX = 400, 60


def test_every_module_and_function_fits_on_a_screen() -> None:
    """A module past 400 lines or a function past 60 is a sign to split by use case (migrations
    are history, written once)."""
    found = []
    for name, tree in modules():
        if name.startswith("store/migrations/"):
            continue
        lines = (PACKAGE / name).read_text().count("\n")
        if lines > MODULE_MAX:
            found.append(f"{name}: {lines} lines")
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > FUNCTION_MAX:
                    found.append(f"{name}:{node.lineno} {node.name}: {length} lines")
    assert not found, "split by use case:\n" + "\n".join(found)

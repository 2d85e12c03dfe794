"""The dependency rules of the source tree, checked on every import statement (AST, not regexes).

`station` composes `drivers`, `vision`, `sync` and (for mock mode) `hardware_mocks`; those four never
import `station` or each other, so that a driver, a model or the sync link can be read, tested and
replaced alone, and a mock is written from the protocol rather than from our parser.
"""

from __future__ import annotations

import ast
import itertools
import textwrap
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Top-level package -> (its folder, the project packages it may import besides itself).
PACKAGES: dict[str, tuple[str, frozenset[str]]] = {
    "station": ("station", frozenset({"drivers", "vision", "sync", "hardware_mocks"})),
    "drivers": ("drivers", frozenset()),
    "vision": ("vision", frozenset()),
    "sync": ("sync", frozenset()),
    "hardware_mocks": ("hardware-mocks", frozenset()),
}


def _imported_packages(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, top-level project package) of every absolute import in a module, nested ones too."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue  # relative imports stay inside their own package
        found.extend((node.lineno, package) for name in names if (package := _project_package(name)))
    return found


def _project_package(name: str) -> str | None:
    """`garita.sync.link` -> `sync`; a bare old top-level name (`sync.link`) counts too, so that the rules and
    the one-namespace test both see it."""
    parts = name.split(".")
    if parts[0] == "garita" and len(parts) > 1:
        parts = parts[1:]
    return parts[0] if parts[0] in PACKAGES else None


def _old_names(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of each import of a bare old top-level name, and of each `-m station...` argument."""
    found = []
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
        if isinstance(node, ast.List | ast.Tuple):  # [sys.executable, "-m", "station", ...]
            items = [e.value if isinstance(e, ast.Constant) else None for e in node.elts]
            names += [name for flag, name in itertools.pairwise(items) if flag == "-m" and isinstance(name, str)]
        found += [(node.lineno, n) for n in names if n.split(".")[0] in PACKAGES]
    return found


def _embedded_programs(tree: ast.AST) -> list[tuple[int, ast.AST]]:
    """Python source held in string constants (a program a test runs with `python -c`), parsed."""
    programs = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "import " in node.value:
            try:
                programs.append((node.lineno, ast.parse(textwrap.dedent(node.value))))
            except SyntaxError:
                continue  # prose that mentions importing, not a program
    return programs


def _old_top_level_imports() -> list[str]:
    """Imports of `station`, `sync`... without the `garita.` prefix (also in programs held in strings, and
    `-m station` arguments): the wheel installs only `garita`."""
    found = []
    for path in sorted(REPO.rglob("*.py")):
        if {".venv", ".git", "build"} & set(path.parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += [f"{path.relative_to(REPO)}:{line}: {name}" for line, name in _old_names(tree)]
        for start, program in _embedded_programs(tree):
            found += [f"{path.relative_to(REPO)}:{start}+{line - 1}: {name}" for line, name in _old_names(program)]
    return found


def _edges() -> list[tuple[str, str, str]]:
    """(importing package, imported package, 'file:line') for every cross-package import."""
    edges = []
    for package, (folder, _allowed) in PACKAGES.items():
        for path in sorted((REPO / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, target in _imported_packages(tree):
                if target != package:
                    edges.append((package, target, f"{path.relative_to(REPO)}:{line}"))
    return edges


def test_no_forbidden_import_edge() -> None:
    forbidden = [
        f"{where}: {source} imports {target}" for source, target, where in _edges() if target not in PACKAGES[source][1]
    ]
    assert not forbidden, "forbidden imports:\n" + "\n".join(forbidden)


def test_the_rule_sees_nested_and_from_imports() -> None:
    # The checker must catch an import hidden in a function and a `from x.y import z`, or it proves nothing.
    source = "def f():\n    import garita.station.cli\nfrom garita.sync.link import Link\nfrom . import sibling\n"
    tree = ast.parse(source)
    assert sorted(_imported_packages(tree)) == [(2, "station"), (3, "sync")]


def test_the_namespace_rule_sees_programs_in_strings_and_module_arguments() -> None:
    old = "station"  # in an f-string, so that this test's own source is not a finding
    source = f'PROGRAM = """\nimport os\nfrom {old}.logs import x\n"""\ncmd = [exe, "-m", "{old}", "run"]\n'
    tree = ast.parse(source)
    assert _old_names(tree) == [(5, "station")]
    assert [_old_names(program) for _line, program in _embedded_programs(tree)] == [[(3, "station.logs")]]


def test_every_import_goes_through_the_one_namespace() -> None:
    old = _old_top_level_imports()
    assert not old, "imports without the garita. prefix (the wheel installs only `garita`):\n" + "\n".join(old)


def test_no_two_modules_share_a_file_name() -> None:
    # A reader finds a module by its name: two `bench.py` or two `uplink.py` send them to the wrong one.
    names: Counter[str] = Counter()
    for folder, _allowed in PACKAGES.values():
        names.update(p.name for p in (REPO / folder).rglob("*.py") if p.name not in {"__init__.py", "__main__.py"})
    assert not [name for name, count in names.items() if count > 1]


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_every_package_folder_exists(package: str) -> None:
    assert (REPO / PACKAGES[package][0] / "__init__.py").is_file()


def import_graph() -> Counter[tuple[str, str]]:
    """Package-to-package import counts (for the architecture notes: `python -m tests.test_import_rules`)."""
    return Counter((source, target) for source, target, _where in _edges())


if __name__ == "__main__":
    for (source, target), count in sorted(import_graph().items()):
        print(f"{source} -> {target}: {count}")

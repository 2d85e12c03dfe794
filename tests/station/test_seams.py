"""The seams between the lane's parts stay typed (issue 15): checked on the source (AST), not by hand.

The composition root (station/wiring.py) hands each part a typed view of the lane; these tests fail
when a seam goes back to ``lane: Any``, to ``getattr`` probing, to a part setting attributes on the
daemon, or when mock mode imports the runner back.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

STATION = Path(__file__).resolve().parents[2] / "station"

# The modules at a seam: the wiring, the core's extension points, and the parts it plugs in.
SEAM_MODULES = (
    "wiring.py", "runner.py", "core/daemon.py", "core/lane_hooks.py", "core/evidence_images.py", "core/recognition.py",
    "booth/services.py", "booth/context.py", "booth/server.py", "booth/app.py", "booth/status.py",
    "booth/risk_panel.py", "booth/crossing_view.py", "booth/event_stream.py", "booth/mock_controls.py",
    "booth/routes_tech.py", "booth/routes_lane.py", "booth/routes_auth.py",
    "mock/mock_mode.py", "mock/mock_options.py", "mock/scripted_officer.py",
    "ops/observability.py", "ops/status_extras.py", "risk/assessor.py",
    "links/mqtt_uplink.py", "links/webhook.py",
)
# Parameter names that are a seam wherever they appear in station/.
SEAM_NAMES = frozenset({
    "lane", "daemon", "mock_lane", "store", "assessor", "assessment", "services", "hooks", "booth", "context",
    "uplink", "risk", "watchlist", "observability", "plugin", "listener", "vehicle", "devices", "device",
    "section", "config", "recognition", "recognizer",
})
# Expressions a `getattr` must never probe: the lane, its parts, the booth's services or app state.
PROBED_ROOTS = (SEAM_NAMES - {"device", "devices"}) | {"request", "app", "ctx", "wired"}


def _modules(paths: Iterator[Path] | tuple[Path, ...]) -> Iterator[tuple[Path, ast.Module]]:
    for path in paths:
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path) -> str:
    return str(path.relative_to(STATION.parent)) if path.is_relative_to(STATION.parent) else path.name


def _seam_modules() -> list[Path]:
    return [STATION / name for name in SEAM_MODULES]


def _is_any(annotation: ast.expr | None) -> bool:
    """`Any`, `typing.Any`, `Any | None`, `Optional[Any]`: a parameter that says nothing of its type."""
    if annotation is None:
        return False
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        annotation = ast.parse(annotation.value, mode="eval").body
    if isinstance(annotation, ast.Name):
        return annotation.id == "Any"
    if isinstance(annotation, ast.Attribute):
        return annotation.attr == "Any"
    if isinstance(annotation, ast.BinOp):
        return _is_any(annotation.left) or _is_any(annotation.right)
    if isinstance(annotation, ast.Subscript) and isinstance(annotation.value, ast.Name):
        return annotation.value.id == "Optional" and _is_any(annotation.slice)
    return False


def _parameters(tree: ast.Module) -> Iterator[tuple[ast.arg, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            args = node.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
            every += [a for a in (args.vararg, args.kwarg) if a is not None]
            name = getattr(node, "name", "<lambda>")
            yield from ((arg, name) for arg in every)


def any_parameters(paths: list[Path], only_names: frozenset[str] | None = None) -> list[str]:
    found = []
    for path, tree in _modules(tuple(paths)):
        for arg, function in _parameters(tree):
            if _is_any(arg.annotation) and (only_names is None or arg.arg in only_names):
                found.append(f"{_where(path)}:{arg.lineno}: {function}({arg.arg}: Any)")
    return found


def _root(node: ast.expr) -> str | None:
    """`lane` for `lane.uplink.link`, `request` for `request.app.state`."""
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        if isinstance(node, ast.Call):  # getattr(getattr(lane, "uplink"), "link"): the probe's own target
            probe = isinstance(node.func, ast.Name) and node.func.id in {"getattr", "hasattr"} and node.args
            node = node.args[0] if probe else node.func
        else:
            node = node.value
    return node.id if isinstance(node, ast.Name) else None


def getattr_probes(paths: list[Path], strict: bool) -> list[str]:
    """`getattr`/`hasattr` calls; with `strict` every one, else those probing a lane, part or service."""
    found = []
    for path, tree in _modules(tuple(paths)):
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in {"getattr", "hasattr"} and node.args):
                continue
            if strict or _root(node.args[0]) in PROBED_ROOTS:
                found.append(f"{_where(path)}:{node.lineno}: {ast.unparse(node)}")
    return found


def daemon_mutations(paths: list[Path]) -> list[str]:
    """`lane.x = ...` or `lane.listeners.append(...)` outside the daemon: a part attaching itself."""
    found = []
    for path, tree in _modules(tuple(paths)):
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else [])
            hits = [t for t in targets if isinstance(t, ast.Attribute) and _root(t) in {"lane", "daemon"}]
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"append", "extend", "insert"} and _root(node.func) in {"lane", "daemon"}):
                hits.append(node)
            found += [f"{_where(path)}:{hit.lineno}: {ast.unparse(hit)}" for hit in hits]
    return found


def _station_files() -> list[Path]:
    return sorted(STATION.rglob("*.py"))


def test_the_seam_modules_exist():
    missing = [name for name in SEAM_MODULES if not (STATION / name).is_file()]
    assert not missing, f"seam modules moved; update SEAM_MODULES: {missing}"


def test_no_parameter_of_a_seam_module_is_typed_any():
    found = any_parameters(_seam_modules())
    assert not found, "parameters typed Any at a seam (use a Protocol or a services dataclass):\n" + "\n".join(found)


def test_no_seam_parameter_in_station_is_typed_any():
    found = any_parameters(_station_files(), only_names=SEAM_NAMES)
    assert not found, "seam parameters typed Any:\n" + "\n".join(found)


def test_no_getattr_probing_at_the_seams():
    found = getattr_probes(_seam_modules(), strict=True) + getattr_probes(_station_files(), strict=False)
    assert not found, "getattr/hasattr probing of the lane or its parts:\n" + "\n".join(sorted(set(found)))


def test_no_part_sets_attributes_on_the_daemon():
    others = [path for path in _station_files() if path != STATION / "core" / "daemon.py"]
    found = daemon_mutations(others)
    assert not found, "parts attaching themselves to the daemon (register through LaneHooks):\n" + "\n".join(found)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("module", ["mock/mock_mode.py", "mock/scripted_officer.py", "wiring.py"])
def test_the_wiring_and_mock_mode_never_import_the_runner(module):
    # Mock mode is wiring: it swaps the device endpoints and adds the scenario driver; the runner calls it.
    assert "garita.station.runner" not in _imports(STATION / module)


# --- the checkers themselves must catch what they are for -------------------------------------------


def _write(tmp_path: Path, source: str) -> list[Path]:
    path = tmp_path / "station" / "sample.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")
    return [path]


def test_the_checkers_see_what_they_forbid(tmp_path):
    paths = _write(tmp_path, (
        "from typing import Any, Optional\n"
        "def attach(lane: Any, store: 'Any | None', *args: Any, x: Optional[Any] = None, ok: int = 1): ...\n"
        "async def tick(self, lane: object) -> None:\n"
        "    plugin = getattr(lane, 'uplink', None)\n"
        "    probe = getattr(getattr(lane, 'uplink', None), 'link', None)\n"
        "    ok = getattr(record, 'fields', {})\n"
        "    lane.uplink = plugin\n"
        "    lane.listeners.append(plugin)\n"
        "    lane.stats.reads += 1\n"))
    found = [line.split(": ", 1)[1] for line in any_parameters(paths)]
    assert sorted(found) == ["attach(args: Any)", "attach(lane: Any)", "attach(store: Any)", "attach(x: Any)"]
    assert len(any_parameters(paths, only_names=frozenset({"lane"}))) == 1
    assert len(getattr_probes(paths, strict=False)) == 3 and len(getattr_probes(paths, strict=True)) == 4
    assert len(daemon_mutations(paths)) == 3

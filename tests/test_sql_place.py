"""SQL lives in one place: the lane's in `station/storage/`, the central's in `sync/central/store_*.py`.

Checked on the syntax tree of every product module: a string constant (an f-string's literal parts too)
that reads as a SQL statement, or a call of a DB-API method (`execute`, `executemany`, `executescript`) or
of `LaneStore.query`, outside those places fails the test with the file and line.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PRODUCT = ("station", "sync", "drivers", "vision", "hardware-mocks")

# Statements as we write them (upper-case keywords); prose in docstrings and messages is lower-case.
SQL = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
    r"|\bCREATE\s+(?:TABLE|INDEX|TRIGGER|VIEW)\b|\bALTER\s+TABLE\b|\bDROP\s+TABLE\b|\bPRAGMA\s+\w+"
    r"|\bBEGIN\s+IMMEDIATE\b|\bWHERE\s+\w+\s*(?:=|IN\b|IS\b|LIKE\b)")
DB_CALLS = {"execute", "executemany", "executescript", "query"}


def _allowed(relative: str) -> bool:
    return relative.startswith("station/storage/") or re.fullmatch(r"sync/central/store_\w+\.py", relative) is not None


def _product_modules() -> list[tuple[str, Path]]:
    found = []
    for top in PRODUCT:
        for path in sorted((REPO / top).rglob("*.py")):
            relative = path.relative_to(REPO).as_posix()
            if not _allowed(relative) and "training" not in path.parts:
                found.append((relative, path))
    return sorted(found)


def _db_call(node: ast.AST) -> bool:
    """A DB-API or ``LaneStore.query`` call; a class's own ``self.execute`` (a mock's command) is not one."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in DB_CALLS):
        return False
    return not (isinstance(node.func.value, ast.Name) and node.func.value.id == "self")


def _sql_at(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) of every SQL string and DB-API call in a module."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
            found.append((node.lineno, f"SQL string {node.value[:60]!r}"))
        elif _db_call(node):
            found.append((node.lineno, f".{node.func.attr}() call"))
    return sorted(found)


def sql_outside_storage() -> dict[str, list[str]]:
    """Module -> where it holds SQL, for every product module outside the allowed places."""
    out: dict[str, list[str]] = {}
    for relative, path in _product_modules():
        hits = _sql_at(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        if hits:
            out[relative] = [f"{relative}:{line}: {what}" for line, what in hits]
    return out


def test_no_sql_outside_storage() -> None:
    offenders = sql_outside_storage()
    assert not offenders, "SQL outside station/storage/ (ask a repository method there instead):\n" + "\n".join(
        hit for hits in offenders.values() for hit in hits)


def test_the_check_sees_sql() -> None:
    """The detector finds a statement, an f-string's statement and a DB-API call, and passes prose."""
    tree = ast.parse('x = f"SELECT a FROM {t}"\nconn.execute(q)\ny = "UPDATE outbox SET sent_at = ?"\n'
                     'z = "select the lane from the list"\nself.execute("get")\n')
    assert [line for line, _ in _sql_at(tree)] == [1, 2, 3]


def test_the_storage_folder_holds_sql() -> None:
    """The allowed places are real (a rename of storage/ would otherwise pass the test vacuously)."""
    storage = [p for p in (REPO / "station" / "storage").glob("*.py") if _sql_at(ast.parse(p.read_text()))]
    assert len(storage) >= 3


if __name__ == "__main__":
    for module, hits in sorted(sql_outside_storage().items()):
        print(module, len(hits))

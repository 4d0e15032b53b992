"""The rooms and the one direction imports run in; module size limits.

``cli``/``web`` → ``flows`` → ``pipeline``/``search`` → ``custody``/``node`` → ``extractors``/``models``/
``index_config``. A room may import its own modules and any room below it; ``evidex.settings`` and
``evidex.samples`` are read by every room and import nothing above the bottom rank.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Higher number = higher room. Rooms of equal rank may not import each other, except where ALSO_ALLOWED says.
RANKS = {
    "extractors": 0, "models": 0, "index_config": 0,
    "evidex.custody": 1, "evidex.node": 1,
    "evidex.pipeline": 2, "evidex.search": 2, "evidex.census": 2,
    "flows": 3,
    "evidex.web": 4, "evidex.cli": 4,
}
# Within the bottom rank, models read extractors' typed results and index_config reads models' analysis.
ALSO_ALLOWED = {("evidex.cli", "evidex.web"), ("models", "extractors"), ("index_config", "models"),
                ("index_config", "extractors"), ("evidex.search", "evidex.census")}
# the census room reads dumps; its lookups go through the one query builder, which reads the census's records
NEUTRAL = {"evidex.settings", "evidex.samples", "evidex", "evidex.__main__"}


def room_of(module: str) -> str | None:
    """The room a dotted module name belongs to (``None`` for third-party and neutral modules)."""
    for room in sorted(RANKS, key=len, reverse=True):
        if module == room or module.startswith(room + "."):
            return room
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every absolute module an import statement in ``path`` names (top level and inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    package = module_name(path).rsplit(".", 0 if path.name == "__init__.py" else 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def violations(path: Path) -> list[str]:
    """Imports in ``path`` that go up or sideways between rooms."""
    here = room_of(module_name(path))
    if here is None:
        return []
    bad = []
    for lineno, target in imported_modules(path):
        there = room_of(target)
        if there is None or there == here or (here, there) in ALSO_ALLOWED:
            continue
        if RANKS[there] >= RANKS[here]:
            bad.append(f"{path.relative_to(REPO)}:{lineno} ({here}) imports {target} ({there})")
    return bad


def source_files() -> list[Path]:
    roots = ["extractors", "models", "index_config", "flows", "evidex"]
    return sorted(p for root in roots for p in (REPO / root).rglob("*.py"))


def test_imports_run_one_way() -> None:
    bad = [v for path in source_files() for v in violations(path)]
    assert not bad, "imports against the room order:\n" + "\n".join(bad)


def test_checker_catches_an_upward_import(tmp_path: Path) -> None:
    """The rule can fail: a custody module that imports the query builder is reported."""
    fake = REPO / "evidex" / "custody" / "_layer_probe.py"
    fake.write_text("def f():\n    from evidex.search.builder import SearchService\n    return SearchService\n")
    try:
        assert violations(fake) == [
            "evidex/custody/_layer_probe.py:2 (evidex.custody) imports evidex.search.builder (evidex.search)",
            "evidex/custody/_layer_probe.py:2 (evidex.custody) imports evidex.search.builder.SearchService "
            "(evidex.search)",
        ]
    finally:
        fake.unlink()


def test_settings_import_only_the_bottom_rank() -> None:
    for name in NEUTRAL - {"evidex", "evidex.__main__"}:
        path = REPO / (name.replace(".", "/") + ".py")
        rooms = {room_of(t) for _, t in imported_modules(path)} - {None}
        assert all(RANKS[room] == 0 for room in rooms), f"{name} imports {rooms}"


@pytest.mark.parametrize("room", ["evidex/custody", "evidex/pipeline", "evidex/search", "evidex/web",
                                  "evidex/node", "evidex/cli"])
def test_every_room_says_what_it_owns(room: str) -> None:
    doc = ast.get_docstring(ast.parse((REPO / room / "__init__.py").read_text(encoding="utf-8")))
    assert doc and 2 <= len([line for line in doc.splitlines() if line.strip()]) <= 4


def test_modules_stay_small_and_evidex_has_few_top_level_modules() -> None:
    big = [f"{p.relative_to(REPO)}: {n}" for p in source_files()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400]
    assert not big, f"modules over 400 lines: {big}"
    top = sorted(p.name for p in (REPO / "evidex").glob("*.py"))
    assert len(top) <= 6, top

"""The house keeps its floors: what import-linter cannot see about aiogram's own packages."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# core/ may use aiogram's types (texts and keyboards need them, and callback data is how a
# keyboard's buttons are named), never its machinery.
FORBIDDEN_IN_CORE = ("aiogram.dispatcher", "aiogram.fsm", "aiogram.filters", "aiogram.handlers")
ALLOWED_IN_CORE = ("aiogram.filters.callback_data",)
FORBIDDEN_NAMES_IN_CORE = {"Router", "Dispatcher", "FSMContext"}


def _imports(path: Path) -> list[tuple[str, set[str]]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, set()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, {alias.name for alias in node.names}))
    return found


def test_core_uses_no_dispatcher_router_or_fsm() -> None:
    offences = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        for module, names in _imports(path):
            if (module.startswith(FORBIDDEN_IN_CORE) and module not in ALLOWED_IN_CORE) or (
                module == "aiogram" and names & FORBIDDEN_NAMES_IN_CORE
            ):
                offences.append(f"{path.relative_to(ROOT)}: {module} {sorted(names)}")
    assert offences == []


BABEL_FORMATTING = ("babel.dates", "babel.numbers", "babel.lists", "babel.units")


def test_babel_formats_only_through_core_formats() -> None:
    """Every date, time, number and list goes through core/formats.py, so the one choice of
    formatting locale per catalog (English as in Sweden) holds everywhere."""
    offences = []
    for folder in ("bot", "core", "handlers", "storage"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "core" / "formats.py":
                continue
            for module, names in _imports(path):
                if module.startswith(BABEL_FORMATTING) or (
                    module == "babel" and names & {"dates", "numbers", "lists", "units"}
                ):
                    offences.append(f"{path.relative_to(ROOT)}: {module}")
    assert offences == []

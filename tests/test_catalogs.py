"""Every user-facing string is translated in every shipped language, and correctly."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from core.config import PROJECT_ROOT, SUPPORTED_LOCALES
from core.languages import LOCALES_DIR

PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*(?:![rsa])?(?::[^{}]*)?\}")
TAG = re.compile(r"</?([a-z-]+)[^>]*>")
SOURCE_DIRS = ("bot", "core", "handlers")


@cache
def source_messages() -> dict[str, str | tuple[str, ...]]:
    """Every msgid used in the code, as `make i18n` extracts them."""
    keywords = {**DEFAULT_KEYWORDS, "__": None}
    found: dict[str, str | tuple[str, ...]] = {}
    for folder in SOURCE_DIRS:
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            PROJECT_ROOT / folder, method_map=[("**.py", "python")], keywords=keywords
        ):
            key = message if isinstance(message, str) else message[0]
            found[key] = message
    return found


def load_catalog(locale: str) -> Catalog:
    path = Path(LOCALES_DIR) / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po_file:
        return read_po(po_file, locale=locale)


def translations(message: object) -> list[str]:
    string = message.string  # type: ignore[attr-defined]
    return list(string) if isinstance(string, tuple | list) else [string]


def test_the_code_has_strings_to_translate() -> None:
    assert len(source_messages()) > 20


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_string_is_translated(locale: str) -> None:
    catalog = load_catalog(locale)
    problems = []
    for key, message in source_messages().items():
        entry = catalog.get(message if isinstance(message, str) else message[0])
        if entry is None:
            problems.append(f"missing: {key!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        elif not all(text.strip() for text in translations(entry)):
            problems.append(f"empty: {key!r}")
    assert not problems, f"{locale}: " + "; ".join(problems)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_no_stale_entries(locale: str) -> None:
    used = set(source_messages())
    stale = [
        m.id
        for m in load_catalog(locale)
        if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in used
    ]
    assert not stale, f"{locale} has entries the code no longer uses (run `make i18n`): {stale}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_placeholders_and_markup_match(locale: str) -> None:
    problems = []
    for entry in load_catalog(locale):
        if not entry.id:
            continue
        ids = [entry.id] if isinstance(entry.id, str) else list(entry.id)
        expected_fields = sorted(PLACEHOLDER.findall(ids[-1]))
        expected_tags = sorted(TAG.findall(ids[0]))
        for text in translations(entry):
            if not text:
                continue
            if sorted(PLACEHOLDER.findall(text)) != expected_fields:
                problems.append(f"placeholders differ in {text!r}")
            if sorted(TAG.findall(text)) != expected_tags:
                problems.append(f"HTML tags differ in {text!r}")
    assert not problems, f"{locale}: " + "; ".join(problems)


def first_strong_direction(line: str) -> str | None:
    line = PLACEHOLDER.sub("", TAG.sub("", line))
    for char in line:
        direction = unicodedata.bidirectional(char)
        if direction in {"L", "R", "AL"}:
            return direction
    return None


def test_arabic_lines_read_right_to_left() -> None:
    """A line that starts with Latin text (a command, a name) would be laid out left to right."""
    wrong = []
    for entry in load_catalog("ar"):
        for text in translations(entry):
            for line in text.splitlines():
                has_arabic = any(unicodedata.bidirectional(c) == "AL" for c in line)
                if has_arabic and first_strong_direction(line) == "L":
                    wrong.append(line)
    assert not wrong, f"Arabic lines that would render left to right: {wrong}"


def test_compiled_catalogs_translate_at_run_time() -> None:
    from core.languages import compile_catalogs, create_i18n

    compile_catalogs()
    i18n = create_i18n("sv")
    assert i18n.gettext("What would you like to do?", locale="sv") == "Vad vill du göra?"
    assert i18n.gettext("What would you like to do?", locale="es") == "¿Qué te gustaría hacer?"
    assert i18n.gettext("What would you like to do?", locale="ar") == "ماذا تود أن تفعل؟"
    assert set(SUPPORTED_LOCALES) <= set(i18n.available_locales)

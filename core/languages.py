"""Languages: the aiogram I18n on our Babel catalogs, and choosing a reader's locale."""

from __future__ import annotations

from pathlib import Path

from aiogram.utils.i18n import I18n
from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from core.config import PROJECT_ROOT, SUPPORTED_LOCALES

LOCALES_DIR = PROJECT_ROOT / "locales"
DOMAIN = "messages"

# Shown in every language as the speakers of each language write it.
LANGUAGE_NAMES: dict[str, str] = {
    "sv": "Svenska",
    "en": "English",
    "es": "Español",
    "ar": "العربية",
}


# The CLDR locale that dates, times, numbers and lists are formatted in, per catalog: English
# readers are in Sweden ("Thursday, 10 December 2026", "12:00"), not in the United States.
FORMATTING_LOCALES: dict[str, str] = {"en": "en_SE"}


def formatting_locale(locale: str) -> str:
    """The CLDR locale for Babel's formatting in the catalog `locale` ('en' -> 'en_SE')."""
    return FORMATTING_LOCALES.get(locale, locale)


def language_name(code: str, reader: str, *, standalone: bool = False) -> str:
    """The language `code` named in the `reader`'s language ('ar' to 'sv' -> 'arabiska').

    Within a sentence the name is as CLDR writes it there ('på engelska', 'in English');
    `standalone` (a button, a row of a list, a cell) starts it with a capital letter.
    """
    try:
        name = Locale.parse(code).get_display_name(Locale.parse(reader))
    except (UnknownLocaleError, ValueError, TypeError):
        name = None
    if not name:
        return LANGUAGE_NAMES.get(code, code)
    return name[:1].upper() + name[1:] if standalone else name


def pick_locale(language_code: str | None, default: str) -> str:
    """Telegram's `language_code` (e.g. 'sv-SE') if we ship it, else the default."""
    if language_code:
        base = language_code.split("-")[0].split("_")[0].lower()
        if base in SUPPORTED_LOCALES:
            return base
    return default


def reading_locale() -> str:
    """The locale of the text being rendered (the i18n context); '' outside one."""
    i18n = I18n.get_current(no_error=True)
    return i18n.current_locale if i18n is not None else ""


def compile_catalogs(locales_dir: Path = LOCALES_DIR) -> list[Path]:
    """Compile every `<lang>/LC_MESSAGES/messages.po` to `.mo` (fuzzy entries left out)."""
    written = []
    for po_path in sorted(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        written.append(mo_path)
    return written


def create_i18n(default_locale: str, locales_dir: Path = LOCALES_DIR) -> I18n:
    if not any(locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")):
        compile_catalogs(locales_dir)
    return I18n(path=locales_dir, default_locale=default_locale, domain=DOMAIN)

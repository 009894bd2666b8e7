"""Texts used by more than one handler, rendered in the reader's language."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _


def menu_prompt() -> str:
    return _("What would you like to do?")

"""Keyboards: functions that translate their labels when they render."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.callbacks import GroupLanguageCB, LanguageCB, MenuCB
from core.config import SUPPORTED_LOCALES
from core.languages import LANGUAGE_NAMES


def main_menu_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("💡 Pitch an idea"), callback_data=MenuCB(action="pitch"))
    builder.button(text=_("📅 Events"), callback_data=MenuCB(action="events"))
    builder.button(text=_("🔔 Subscriptions"), callback_data=MenuCB(action="subscriptions"))
    builder.button(text=_("🌐 Language"), callback_data=MenuCB(action="language"))
    builder.button(text=_("ℹ️ About and privacy"), callback_data=MenuCB(action="about"))
    builder.adjust(1, 2, 2)
    return builder.as_markup()


def back_to_menu_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("⬅️ Main menu"), callback_data=MenuCB(action="menu"))
    return builder.as_markup()


def language_keyboard(current: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in SUPPORTED_LOCALES:
        mark = "✓ " if code == current else ""
        builder.button(text=f"{mark}{LANGUAGE_NAMES[code]}", callback_data=LanguageCB(code=code))
    builder.adjust(2)
    return builder.as_markup()


def group_language_keyboard(current: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in SUPPORTED_LOCALES:
        mark = "✓ " if code == current else ""
        builder.button(
            text=f"{mark}{LANGUAGE_NAMES[code]}", callback_data=GroupLanguageCB(code=code)
        )
    builder.adjust(2)
    return builder.as_markup()

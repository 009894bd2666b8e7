"""The buttons of the staff's event journeys; labels are translated when they render.
Every button carries the step it was shown at (EventAdminCB.step)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from core.callbacks import EventAdminCB, EventCancelCB
from core.city import CityData
from core.config import SUPPORTED_LOCALES
from core.event_rights import areas_open_to
from core.event_texts import kind_label
from core.event_wizard import CITY_WIDE, OPTIONAL_STEPS, WizardDraft
from core.languages import language_name, reading_locale
from core.services.roles import Roles
from storage.models import EVENT_KINDS, Event


def _button(
    builder: InlineKeyboardBuilder, text: str, step: str, action: str, value: str = ""
) -> None:
    builder.button(text=text, callback_data=EventAdminCB(step=step, action=action, value=value))


def _navigation(builder: InlineKeyboardBuilder, step: str, *, skip: bool = False) -> None:
    if skip:
        _button(builder, _("Skip ➡️"), step, "skip")
    if step not in ("kind", "field", "text"):
        _button(builder, _("⬅️ Back"), step, "back")
    _button(builder, _("✖️ Cancel"), step, "cancel")


def _areas(builder: InlineKeyboardBuilder, step: str, roles: Roles, city: CityData) -> None:
    for code in areas_open_to(roles, city):
        area = city.area(code)
        _button(builder, area.name(reading_locale()) if area else code, step, "pick", code)
    _button(builder, _("🌍 City-wide"), step, "pick", CITY_WIDE)


def wizard_keyboard(
    step: str, draft: WizardDraft, roles: Roles, city: CityData
) -> InlineKeyboardMarkup:
    """The buttons under a question of /newevent."""
    builder = InlineKeyboardBuilder()
    if step == "kind":
        for kind in EVENT_KINDS:
            _button(builder, kind_label(kind), step, "pick", kind)
        _navigation(builder, step)
        builder.adjust(*([1] * len(EVENT_KINDS)), 1)
    elif step == "languages":
        for code in SUPPORTED_LOCALES:
            if code not in draft.titles:
                label = "➕ " + language_name(code, reading_locale(), standalone=True)
                _button(builder, label, step, "language", code)
        _button(builder, _("Continue ➡️"), step, "next")
        _navigation(builder, step)
        builder.adjust(2, 2, 1, 2)
    elif step == "area":
        _areas(builder, step, roles, city)
        _navigation(builder, step)
        builder.adjust(2)
    elif step == "preview":
        _button(builder, _("✅ Publish now"), step, "publish")
        _button(builder, _("🕒 Publish at a chosen time"), step, "later")
        _navigation(builder, step)
        builder.adjust(1, 1, 2)
    else:
        _navigation(builder, step, skip=step in OPTIONAL_STEPS)
        builder.adjust(1)
    return builder.as_markup()


def fields_keyboard(fields: dict[str, str]) -> InlineKeyboardMarkup:
    """What /editevent can change."""
    builder = InlineKeyboardBuilder()
    for field, label in fields.items():
        _button(builder, label, "field", "pick", field)
    _navigation(builder, "field")
    builder.adjust(2, 2, 2, 2, 1)
    return builder.as_markup()


def value_keyboard(
    field: str, *, skip: bool, roles: Roles, city: CityData
) -> InlineKeyboardMarkup:
    """Under the question for a field's new value (the areas, for the area)."""
    builder = InlineKeyboardBuilder()
    if field == "area":
        _areas(builder, "value", roles, city)
    _navigation(builder, "value", skip=skip)
    builder.adjust(2)
    return builder.as_markup()


def cancel_event_keyboard(event: Event) -> InlineKeyboardMarkup:
    assert event.id is not None
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("❌ Yes, cancel the event"),
        callback_data=EventCancelCB(action="yes", event_id=event.id, version=event.version),
    )
    builder.button(
        text=_("Keep it"),
        callback_data=EventCancelCB(action="no", event_id=event.id, version=event.version),
    )
    builder.adjust(1)
    return builder.as_markup()


def broadcast_text_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    _navigation(builder, "text")
    return builder.as_markup()


def audience_keyboard(roles: Roles, city: CityData) -> InlineKeyboardMarkup:
    """All subscribers, those of a kind, or of one of the person's areas."""
    builder = InlineKeyboardBuilder()
    _button(builder, _("👥 All subscribers"), "audience", "pick", "all")
    for kind in EVENT_KINDS:
        _button(builder, kind_label(kind), "audience", "pick", f"kind={kind}")
    for code in areas_open_to(roles, city):
        area = city.area(code)
        name = area.name(reading_locale()) if area else code
        _button(builder, "📍 " + name, "audience", "pick", f"area={code}")
    _navigation(builder, "audience")
    builder.adjust(1)
    return builder.as_markup()


def broadcast_confirm_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    _button(builder, _("📤 Send"), "confirm", "send")
    _navigation(builder, "confirm")
    builder.adjust(1, 2)
    return builder.as_markup()

"""The subscription screen, its buttons and what residents are told about their
subscription (call inside an i18n context with the reader's locale)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from aiogram.utils.text_decorations import html_decoration

from core import event_texts
from core.bidi import isolate
from core.callbacks import MenuCB, SubscriptionCB
from core.city import CityData
from core.formats import format_list
from core.languages import reading_locale
from storage.models import EVENT_KINDS
from storage.subscriptions import SubscriptionChoice

quote = html_decoration.quote


def screen_text() -> str:
    return "\n".join(
        (
            _("🔔 <b>Subscriptions</b>"),
            "",
            _("Choose what I should tell you about:"),
            _("• the kinds of meetings (as many as you like);"),
            _(
                "• the areas of Malmö (choose none for all of Malmö; meetings for the whole "
                "city reach you anyway);"
            ),
            _("• reminders before the meetings you are going to;"),
            _("• a weekly digest of the coming meetings, on Monday mornings."),
            "",
            _("Then press 💾 Save."),
        )
    )


def _mark(on: bool) -> str:
    return "✓ " if on else ""


def screen_keyboard(choice: SubscriptionChoice, city: CityData) -> InlineKeyboardMarkup:
    """A button per kind and per area (ticked when chosen), reminders, digest, save."""
    locale = reading_locale()
    builder = InlineKeyboardBuilder()
    for kind in EVENT_KINDS:
        builder.button(
            text=_mark(kind in choice.kinds) + event_texts.kind_label(kind),
            callback_data=SubscriptionCB(action="kind", value=kind),
        )
    builder.button(
        text=_mark(not choice.areas) + _("🏙 All of Malmö"),
        callback_data=SubscriptionCB(action="all"),
    )
    for area in city.areas:
        builder.button(
            text=_mark(area.code in choice.areas) + area.name(locale),
            callback_data=SubscriptionCB(action="area", value=area.code),
        )
    builder.button(
        text=_("🔔 Reminders: on") if choice.reminders else _("🔕 Reminders: off"),
        callback_data=SubscriptionCB(action="reminders"),
    )
    builder.button(
        text=_("📰 Weekly digest: on") if choice.digest else _("📰 Weekly digest: off"),
        callback_data=SubscriptionCB(action="digest"),
    )
    builder.button(text=_("💾 Save"), callback_data=SubscriptionCB(action="save"))
    builder.button(text=_("✖️ Cancel"), callback_data=SubscriptionCB(action="cancel"))
    area_rows = [2] * ((len(city.areas) + 1 + 1) // 2)
    builder.adjust(*([1] * len(EVENT_KINDS)), *area_rows, 1, 1, 2)
    return builder.as_markup()


def saved_summary(choice: SubscriptionChoice, city: CityData) -> str:
    locale = reading_locale()
    kinds = format_list(
        [isolate(event_texts.kind_name(k), locale) for k in EVENT_KINDS if k in choice.kinds],
        locale=locale,
    )
    if choice.areas:
        areas = format_list(
            [isolate(a.name(locale), locale) for a in city.areas if a.code in choice.areas],
            locale=locale,
        )
    else:
        areas = _("all of Malmö")
    lines = [
        _("✓ Saved. I will tell you about new meetings: {kinds}, in {areas}.").format(
            kinds=quote(kinds), areas=quote(areas)
        ),
        _("🔔 Reminders are on.") if choice.reminders else _("🔕 Reminders are off."),
        _("📰 You get the weekly digest on Monday mornings.")
        if choice.digest
        else _("📰 No weekly digest."),
        "",
        _("Change it any time with /subscribe; /unsubscribe stops everything."),
    ]
    return "\n".join(lines)


def not_saved_text(reason: str) -> str:
    """Why Save did nothing (see subscriptions.InvalidSubscription)."""
    if reason == "no_kinds":
        return _("Please choose at least one kind of meeting first.")
    return stale_button_text()


def stale_button_text() -> str:
    return _("This button is no longer valid. Start again with /subscribe.")


def cancelled_text() -> str:
    return _("Nothing changed. /subscribe opens your subscriptions again.")


def unsubscribed_text() -> str:
    return _(
        "🔕 Done: I won't send you announcements, reminders or the weekly digest any "
        "more. The meetings you said you would come to stay as they are. If you change "
        "your mind, /subscribe starts again."
    )


def subscribe_again_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("🔔 Subscribe again"), callback_data=MenuCB(action="resubscribe"))
    return builder.as_markup()

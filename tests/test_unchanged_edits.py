"""The session middleware that makes an edit to what a message already shows a quiet
success, and the card's places after an answer (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.unchanged_edits import UnchangedEditIsDone
from core import attendance_texts, event_texts
from core.city import load_city
from core.languages import create_i18n
from playground.emulator import TelegramEmulator
from storage.events import RsvpCounts
from storage.models import Event

BUTTONS = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
)


async def test_only_an_unchanged_edit_is_done_other_refusals_still_raise(
    emulator: TelegramEmulator,
) -> None:
    bot = emulator.create_bot()
    bot.session.middleware(UnchangedEditIsDone())
    emulator.user(5501, first_name="Kim")
    try:
        sent = await bot.send_message(5501, "<b>Hej</b>", reply_markup=BUTTONS)
        same = {"chat_id": 5501, "message_id": sent.message_id}
        assert await bot.edit_message_text("<b>Hej</b>", reply_markup=BUTTONS, **same) is True
        assert await bot.edit_message_reply_markup(reply_markup=BUTTONS, **same) is True
        edited = await bot.edit_message_text("<b>Hej då</b>", reply_markup=BUTTONS, **same)
        assert not isinstance(edited, bool)
        assert edited.text == "Hej då"
        with pytest.raises(TelegramBadRequest, match="message to edit not found"):
            await bot.edit_message_text("x", chat_id=5501, message_id=sent.message_id + 99)
        with pytest.raises(TelegramBadRequest, match="there is no caption"):
            await bot.edit_message_caption(caption="x", **same)
    finally:
        await bot.session.close()
    unchanged = [call for call in emulator.failed_calls if "not modified" in str(call.response)]
    assert len(unchanged) == 2  # Telegram did refuse them; the bot took it as done


def an_event(capacity: int | None) -> Event:
    starts = datetime(2030, 3, 5, 11, 0, tzinfo=UTC)
    return Event(
        id=7,
        kind="lunch_learn",
        titles={"sv": "Lärande Lunch"},
        descriptions={"sv": "👥 20 places · 3 left, says the description"},
        default_locale="sv",
        starts_at=starts,
        ends_at=starts,
        place="Nydala bibliotek",
        area_code="soder",
        status="published",
        capacity=capacity,
        version=1,
    )


@pytest.mark.parametrize("locale", ["sv", "en", "es", "ar"])
@pytest.mark.parametrize("staff", [False, True])
def test_the_card_after_an_answer_is_the_card_with_the_new_counts(
    locale: str, staff: bool
) -> None:
    i18n = create_i18n("sv")
    city = load_city()
    tz = datetime.now().astimezone().tzinfo
    event = an_event(capacity=20)
    before, after = RsvpCounts(going=3, waiting=0), RsvpCounts(going=4, waiting=0)
    with i18n.context(), i18n.use_locale(locale):

        def card(counts: RsvpCounts) -> str:
            waiting = counts.waiting if staff else None
            return event_texts.event_card(
                event, city, locale, tz, going=counts.going, waiting=waiting
            )

        result = attendance_texts.RsvpResult(
            event=event, status="going", before=None, counts=after
        )
        assert attendance_texts.counts_after_answer(card(before), result) == card(after)
        announcement = event_texts.event_card(event, city, locale, tz)  # no counts shown
        assert attendance_texts.counts_after_answer(announcement, result) == announcement


def test_an_event_without_places_is_left_as_it_is() -> None:
    event = an_event(capacity=None)
    result = attendance_texts.RsvpResult(
        event=event, status="going", before=None, counts=RsvpCounts(going=1)
    )
    assert attendance_texts.counts_after_answer("any text", result) == "any text"

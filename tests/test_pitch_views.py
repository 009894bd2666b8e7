"""The pitch journey's keyboards: every button they draw is one its step offers, and the
data fit Telegram's 64 bytes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiogram.types import InlineKeyboardMarkup

from core import pitch_rules as rules
from core.callbacks import PitchCB
from core.languages import create_i18n
from core.services.pitching import PitchPage
from handlers.pitch import questions, replies
from storage.models import PitchDraft
from tests.journeys import CITY

I18N = create_i18n("sv")


@pytest.fixture(autouse=True, params=["sv", "en", "es", "ar"])
def locale(request: pytest.FixtureRequest) -> Iterator[str]:
    with I18N.context(), I18N.use_locale(request.param):
        yield request.param


def keyboards(locale: str) -> Iterator[InlineKeyboardMarkup]:
    draft = PitchDraft(user_id=1, language=locale, title="T", need="N", idea_text="I")
    for step in (*rules.STEPS, rules.SUMMARY):
        draft.step = step
        if step != rules.SUMMARY:
            yield questions.question(draft, CITY, locale)[1]
        yield replies.cancel_question(step)[1]
        yield replies.resume_offer(draft)[1]
    for area in CITY.areas:
        pages = rules.page_count(len(CITY.neighbourhoods_in(area.code)), 8)
        for page in range(pages):
            yield questions.neighbourhood_question(CITY, area.code, page, locale)[1]
    for hood in CITY.neighbourhoods:
        yield questions.location_proposal(CITY, hood.code, locale)[1]
    draft.support_codes = [option.code for option in CITY.support_options]
    yield questions.support_question(draft, CITY, locale)[1]
    yield questions.who_name_question()[1]
    yield questions.email_question()[1]
    yield questions.consent_question("Inkubatorn")[1]
    yield questions.no_consent()[1]
    yield replies.summary(draft, CITY, locale)[1]
    yield replies.edit_menu()[1]


def test_every_button_is_one_its_step_offers(locale: str) -> None:
    seen = set()
    for markup in keyboards(locale):
        for row in markup.inline_keyboard:
            for button in row:
                data = button.callback_data or ""
                assert len(data.encode()) <= 64, data
                pressed = PitchCB.unpack(data)
                assert rules.button_fits(pressed.step, pressed.action), data
                seen.add(pressed.action)
    assert seen == set(rules.ANY_STEP_ACTIONS).union(*rules.STEP_ACTIONS.values())


def test_pages_of_my_pitches_have_arrows_only_where_there_is_more(locale: str) -> None:
    def arrows(page: int, pages: int) -> list[str]:
        found = PitchPage(pitches=[], page=page, pages=pages, total=pages * 5)
        markup = replies.my_pitches_keyboard(found, locale)
        return [b.text for row in markup.inline_keyboard for b in row if b.text in "◀️▶️"]

    # Right to left, the way back points right: the arrows are mirrored in Arabic.
    back, on = ("▶️", "◀️") if locale == "ar" else ("◀️", "▶️")
    assert arrows(0, 1) == []
    assert arrows(0, 3) == [on]
    assert arrows(1, 3) == [back, on]
    assert arrows(2, 3) == [back]

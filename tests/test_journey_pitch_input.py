"""The pitch journey's readers at work through the emulator: invisible answers, strict pages
of neighbourhoods, /mypitches a page at a time, and presses that come at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from playground.emulator import FakeUser, TelegramEmulator
from storage.models import Pitch, PitchDraft, utcnow
from tests.conftest import RunningBot
from tests.journeys import CITY, answer, press, step_of, translator
from tests.test_journey_pitch import start_pitch, to_where_step

EMPTY = "That looks empty. Please write a few words."
# Nothing visible: zero-width, direction marks, fillers, Braille blank, joiners, BOM, spaces.
INVISIBLE = (
    "\u200b",
    "\u200f\u200e",
    "\u3164",
    "\u2800\u2800",
    " \u2060\ufeff ",
    "\u115f\u1160",
    "\u034f",
    "\u202e\u202c\u00a0",
)
T = translator("en")


async def stored_draft(running_bot: RunningBot, user_id: int) -> dict[str, Any]:
    async with running_bot.sessionmaker() as session:
        draft = await session.get(PitchDraft, user_id)
        assert draft is not None
        return draft.model_dump()


async def refused_as_empty(
    user: FakeUser, running_bot: RunningBot, text: str, question: str
) -> None:
    """`text` gets the kind 'empty' answer with the same question, and changes nothing."""
    before = await stored_draft(running_bot, user.id)
    reply = await answer(user, text)
    assert (reply.text or "").startswith(EMPTY), reply.text
    assert question in (reply.text or "")
    assert await stored_draft(running_bot, user.id) == before


async def test_invisible_answers_are_refused_at_every_free_text_step(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    noor = emulator.user(5001, first_name="Noor", language_code="en")
    await start_pitch(noor)
    for text in INVISIBLE:
        await refused_as_empty(noor, running_bot, text, "<b>Step 1 of 8</b>")
    await answer(noor, "Bike kitchen")
    await refused_as_empty(noor, running_bot, INVISIBLE[1], "<b>Step 2 of 8</b>")
    await answer(noor, "Broken bikes everywhere")
    await refused_as_empty(noor, running_bot, INVISIBLE[2], "<b>Step 3 of 8</b>")

    # A photo whose caption shows nothing is a photo without a caption: kept, no text.
    await noor.send_photo(caption=INVISIBLE[3])
    saved = await noor.next_message()
    assert "Saved ✓" in (saved.text or "")
    draft = await stored_draft(running_bot, noor.id)
    assert (len(draft["media"]), draft["idea_text"]) == (1, None)
    await noor.send_voice(duration=3)
    await noor.next_message()
    await refused_as_empty(noor, running_bot, INVISIBLE[4], "<b>Step 3 of 8</b>")
    saved = await answer(noor, "Saturday repair café")
    where = await press(noor, "Next ➡️", saved)
    theme = await press(noor, "🏙 The whole city", where)
    support = await press(noor, theme.button_labels[0], theme)
    who = await press(noor, "Skip ➡️", support)

    name_question = await press(noor, "A resident", who)
    name_asked = "What name should the incubator use for you or your group?"
    assert name_asked in (name_question.text or "")
    await refused_as_empty(noor, running_bot, INVISIBLE[5], name_asked)
    contact = await answer(noor, "Noor")
    assert step_of(contact, T, 8)

    email_question = await press(noor, "✉️ Also by e-mail", contact)
    await refused_as_empty(noor, running_bot, INVISIBLE[6], "Please write your e-mail address.")
    hidden = await answer(noor, "noor\u200b@example.se")
    assert (hidden.text or "").startswith("That doesn't look like an e-mail address.")
    consent = await answer(noor, "noor@example.se")
    summary = await press(noor, "✅ Yes, I agree", consent)
    assert email_question.text == "Please write your e-mail address."

    # Edits from the summary read the same way.
    await noor.press("✏️ Edit", message=summary)
    title_question = await press(noor, "Title", await noor.next_message())
    assert step_of(title_question, T, 1)
    await refused_as_empty(noor, running_bot, INVISIBLE[7], "<b>Step 1 of 8</b>")
    new_summary = await answer(noor, "\u200bBike kitchen 2\u200f")
    assert "<b>Title</b>\nBike kitchen 2" in (new_summary.text or "")
    draft = await stored_draft(running_bot, noor.id)
    assert (draft["title"], draft["need"], draft["submitter_name"]) == (
        "Bike kitchen 2",
        "Broken bikes everywhere",
        "Noor",
    )
    assert (draft["idea_text"], draft["contact_email"]) == (
        "Saturday repair café",
        "noor@example.se",
    )


async def test_a_shared_number_that_does_not_read_is_asked_again(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    rami = emulator.user(5002, first_name="Rami", language_code="en")
    where = await to_where_step(rami)
    theme = await press(rami, "🏙 The whole city", where)
    support = await press(rami, theme.button_labels[0], theme)
    who = await press(rami, "Skip ➡️", support)
    contact = await press(rami, "Skip ➡️", who)
    await press(rami, "📞 Also by phone", contact)
    for number in ("\u200b", "+46 70 ١٢٣ ٤٥ ٦٧", "070<b>1234"):
        await rami.share_contact(number)
        again = await rami.next_message()
        assert (again.text or "").startswith("Please share your own number")
    assert (await stored_draft(running_bot, rami.id))["contact_phone"] is None
    await rami.share_contact("+46 70-123 45 67")
    await rami.next_message()  # thanks, keyboard removed
    await rami.next_message()  # the consent
    assert (await stored_draft(running_bot, rami.id))["contact_phone"] == "+46701234567"


def _area_with_pages() -> tuple[str, int]:
    area = max(CITY.areas, key=lambda a: len(CITY.neighbourhoods_in(a.code)))
    return area.code, -(-len(CITY.neighbourhoods_in(area.code)) // 8)


async def test_pages_of_neighbourhoods_are_read_strictly(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    area_code, pages = _area_with_pages()
    assert pages > 1
    dina = emulator.user(5003, first_name="Dina", language_code="en")
    where = await to_where_step(dina)
    await dina.press(CITY.area(area_code).name("en"), message=where)  # type: ignore[union-attr]
    await dina.wait_for(lambda: where.edit_count == 1)
    assert f"(page 1 of {pages})" in (where.text or "")
    await dina.press("▶️", message=where)
    await dina.wait_for(lambda: where.edit_count == 2)
    assert f"(page 2 of {pages})" in (where.text or "")
    before = await stored_draft(running_bot, dina.id)

    for value in (f"{area_code}.{pages}", f"{area_code}.99999999999999999999", "atlantis.0"):
        await dina.press_data(f"p:where:page:{value}", message=where)
        again = await dina.next_message()
        assert (again.text or "").startswith("Please choose one of the buttons."), value
        assert "<b>Step 4 of 8</b>" in (again.text or "")
    for unreadable in (f"p:where:page:{area_code}.²", f"p:where:page:{area_code}.١"):
        refused = await dina.press_data(unreadable, message=where)
        assert refused.text == "This button is no longer valid."
        assert (await dina.next_message()).text == "Here is the menu."
    assert where.edit_count == 2
    assert await stored_draft(running_bot, dina.id) == before


async def add_pitches(running_bot: RunningBot, user_id: int, titles: list[str]) -> None:
    """Pitches as if sent over the past days, the last title the newest."""
    now = utcnow()
    async with running_bot.sessionmaker() as session:
        for number, title in enumerate(titles, start=1):
            session.add(
                Pitch(
                    reference=f"MT-2026-{user_id % 100:02d}{number:02d}",
                    user_id=user_id,
                    language="en",
                    title=title,
                    need="A need",
                    incubator_code="citywide",
                    consent_at=now,
                    submitted_at=now - timedelta(days=len(titles) - number),
                )
            )
        await session.commit()


async def test_my_pitches_come_a_page_at_a_time_and_only_my_own(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    mine, other = emulator.user(5004, language_code="en"), emulator.user(5005, language_code="en")
    for user in (mine, other):
        await answer(user, "/start")
    none_yet = await answer(mine, "/mypitches")
    assert none_yet.text == (
        "You haven't sent any ideas yet. Press “💡 Pitch an idea” whenever you have one!"
    )
    assert "◀️" not in none_yet.button_labels and "▶️" not in none_yet.button_labels
    # The longest titles, each character escaped to its longest form.
    titles = [f"{number:02d}" + '&"<>' * 19 + "xx" for number in range(1, 13)]
    await add_pitches(running_bot, mine.id, titles)
    await add_pitches(running_bot, other.id, ["Someone else's idea"])

    first = await answer(mine, "/mypitches")
    assert "<b>Your ideas</b> (page 1 of 3)" in (first.text or "")
    assert [label for label in first.button_labels if label in "◀️▶️"] == ["▶️"]
    assert "MT-2026-0412" in (first.text or "")  # the newest first
    assert "MT-2026-0408" in (first.text or "") and "MT-2026-0407" not in (first.text or "")
    await mine.press("▶️", message=first)
    await mine.wait_for(lambda: first.edit_count == 1)
    assert "(page 2 of 3)" in (first.text or "")
    assert [label for label in first.button_labels if label in "◀️▶️"] == ["◀️", "▶️"]
    await mine.press_data("mp:99", message=first)  # past the end: the last page
    await mine.wait_for(lambda: first.edit_count == 2)
    assert "(page 3 of 3)" in (first.text or "") and "MT-2026-0401" in (first.text or "")
    refused = await mine.press_data("mp:²", message=first)
    assert refused.text == "This button is no longer valid."
    assert (await mine.next_message()).text == "Here is the menu."

    texts = [m.text or "" for m in mine.messages]
    assert all("Someone else" not in text and "MT-2026-0501" not in text for text in texts)
    assert all(len(text) <= 4096 for text in texts)
    theirs = await answer(other, "/mypitches")
    assert "MT-2026-0501" in (theirs.text or "") and "MT-2026-04" not in (theirs.text or "")


async def put_complete_draft(running_bot: RunningBot, user_id: int, step: str) -> None:
    """A draft with every answer, at `step`, as the journey would leave it."""
    now = utcnow()
    async with running_bot.sessionmaker() as session:
        old = await session.get(PitchDraft, user_id)
        if old is not None:
            await session.delete(old)
            await session.flush()
        session.add(
            PitchDraft(
                user_id=user_id,
                language="en",
                step=step,
                title="Läxhjälp i Holma",
                need="Barnen behöver en lugn plats",
                idea_text="Volontärer två kvällar i veckan",
                area_code="vaster",
                neighbourhood_code="holma",
                theme_code="youth",
                consent=True,
                created_at=now,
                updated_at=now,
            )
        )
        await session.commit()


async def count_pitches(running_bot: RunningBot, user_id: int) -> int:
    async with running_bot.sessionmaker() as session:
        query = select(func.count()).select_from(Pitch).where(Pitch.user_id == user_id)
        return int((await session.execute(query)).scalar_one())


async def test_send_pressed_twice_at_once_sends_one_pitch(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    vera = emulator.user(5006, first_name="Vera", language_code="en")
    await answer(vera, "/start")
    for round_ in range(1, 7):
        await put_complete_draft(running_bot, vera.id, "summary")
        offer = await answer(vera, "/pitch")
        summary = await press(vera, "↩️ Continue", offer)
        answers = await asyncio.gather(
            vera.press("✅ Send it", message=summary), vera.press("✅ Send it", message=summary)
        )
        assert sorted(a.text or "" for a in answers) == ["", "This button is no longer valid."]
        thanks = await vera.next_message()
        assert (thanks.text or "").startswith("🎉 Thank you!")
        assert await count_pitches(running_bot, vera.id) == round_
    vera.assert_no_new_message()


async def test_support_options_pressed_at_once_are_all_kept(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    sol = emulator.user(5007, first_name="Sol", language_code="en")
    await answer(sol, "/start")
    await put_complete_draft(running_bot, sol.id, "support")
    offer = await answer(sol, "/pitch")
    support = await press(sol, "↩️ Continue", offer)
    options = CITY.support_options[:3]
    for round_ in range(6):
        choosing = round_ % 2 == 0
        labels = [("" if choosing else "✅ ") + option.name("en") for option in options]
        edited = support.edit_count + len(labels)
        await asyncio.gather(*(sol.press(label, message=support) for label in labels))
        await sol.wait_for(lambda edited=edited: support.edit_count == edited)
        chosen = (await stored_draft(running_bot, sol.id))["support_codes"]
        assert chosen == ([option.code for option in options] if choosing else [])


async def test_a_draft_that_has_gone_meanwhile_is_said_kindly(
    emulator: TelegramEmulator, running_bot: RunningBot
) -> None:
    """Deleted by the 30-day job while the conversation still waits for an answer."""
    gone = "I couldn't find your draft any more. You're welcome to start again any time."
    ulla = emulator.user(5008, first_name="Ulla", language_code="en")
    await answer(ulla, "/start")
    for what in ("text", "sticker", "/cancel"):
        await put_complete_draft(running_bot, ulla.id, "need")
        offer = await answer(ulla, "/pitch")
        need = await press(ulla, "↩️ Continue", offer)
        async with running_bot.sessionmaker() as session:
            draft = await session.get(PitchDraft, ulla.id)
            await session.delete(draft)
            await session.commit()
        if what == "sticker":
            await ulla.send_sticker()
            reply = await ulla.next_message()
        else:
            reply = await answer(ulla, "Kids need a quiet room" if what == "text" else what)
        assert reply.text == gone, what
        stale = await ulla.press_data(need.callback_data("⬅️ Back"), message=need)
        assert stale.text == "This button is no longer valid."
        after = await answer(ulla, "Hello?")  # the conversation was reset: the menu's answer
        assert after.text == "Sorry, I didn't understand that. Please choose from the menu below."

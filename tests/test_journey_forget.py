"""/forget: a resident with everything a person can leave behind asks to be forgotten, and a
scan of every table and column finds nothing of them but what the public-records setting
keeps; the person waiting gets the place, the coordinator is told, and /start afterwards
is a new person."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from playground.emulator import TelegramEmulator
from storage.models import ConsentRecord, Pitch, PitchEvent, User
from tests.card_steps import ADMIN_ID
from tests.conftest import RunningBot
from tests.erasure_steps import (
    NAME,
    PUBLIC_RECORD,
    RESIDENT_ID,
    needles,
    resident_with_everything,
)
from tests.journeys import answer, translator
from tests.personal_data_scan import scan, scanned_tables, without

SV = translator("sv")


@pytest.fixture(params=[False, True], ids=["text-kept", "text-erased"])
def erase_text(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def bot_overrides(erase_text: bool) -> dict[str, object]:
    return {"admin_ids": [ADMIN_ID], "erase_pitch_text": erase_text}


async def test_forget_leaves_nothing_of_the_resident(
    emulator: TelegramEmulator, running_bot: RunningBot, erase_text: bool
) -> None:
    everything = await resident_with_everything(emulator, running_bot)
    resident, coordinator = everything.resident, everything.coordinator
    before = await scan(running_bot.engine, needles(everything))
    assert {f.what for f in before} == set(needles(everything)), [str(f) for f in before]

    question = await answer(resident, "/forget")
    assert (question.text or "").startswith(SV("<b>Forget me</b>"))
    assert question.button_labels == [SV("🗑 Yes, forget me"), SV("↩️ No, keep my data")]
    await resident.press(SV("🗑 Yes, forget me"), message=question)
    last = await resident.next_message()
    assert (last.text or "").startswith(SV("🗑 <b>Done: I have forgotten you.</b>"))
    assert everything.reference in (last.text or "")

    note = await coordinator.next_message()
    assert everything.reference in (note.text or "")
    assert "asked to be forgotten" in (note.text or "")
    assert note.reply_to_message_id in {c.message_id for c in everything.controls}
    for control in everything.controls:
        await coordinator.wait_for(lambda control=control: control.button_labels == [])
        assert "🔒 Personal data removed at the resident's request." in (control.text or "")
    # What held the resident's name, contact, voice and words is taken out of the chat.
    assert all(copy.deleted for copy in everything.copies)

    promoted = await everything.waiting.next_message(timeout=10)
    assert (promoted.text or "").startswith("🎉 Good news: a place opened up")

    found = await scan(running_bot.engine, needles(everything))
    kept = () if erase_text else PUBLIC_RECORD
    assert without(found, kept) == [], "\n".join(str(f) for f in without(found, kept))
    if not erase_text:
        assert {f.what for f in found} == {"title", "need", "idea"}
    assert "apscheduler_jobs" in await scanned_tables(running_bot.engine)

    async with running_bot.sessionmaker() as session:
        pitch = await session.get(Pitch, everything.pitch_id)
        assert pitch is not None and pitch.erased_at is not None and pitch.user_id is None
        assert pitch.theme_code and pitch.area_code == "soder"  # not personal: kept
        consents = (await session.execute(select(ConsentRecord))).scalars().all()
        assert {c.kind for c in consents} == {"pitch", "contact"}
        assert all(c.withdrawn_at is not None and c.user_id is None for c in consents)
        kinds = (
            await session.execute(
                select(PitchEvent.kind).where(PitchEvent.pitch_id == everything.pitch_id)
            )
        ).scalars()
        assert list(kinds) == ["ask", "reply", "erased"]  # the history still reads

    # A new /start is a new person, with nothing of the old one.
    await resident.send("/start")
    await resident.next_message()
    mine = await answer(resident, "/mypitches")
    assert mine.text == SV(
        "You haven't sent any ideas yet. Press “💡 Pitch an idea” whenever you have one!"
    )
    async with running_bot.sessionmaker() as session:
        user = await session.get(User, RESIDENT_ID)
        assert user is not None and user.start_payload is None
    assert NAME not in (mine.text or "")

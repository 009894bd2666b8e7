"""Steps the card and relay tests share: staff, residents, fresh pitches and their records."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import func, select

from core.pitch_notices import deliver_pitch
from core.pitch_rules import format_reference
from playground.emulator import FakeGroup, FakeUser, SentMessage, TelegramEmulator
from storage.models import AuditEntry, Pitch, PitchEvent, PitchMessage, utcnow
from storage.pitches import next_reference_number
from tests.conftest import RunningBot

ADMIN_ID = 9001
FIRST_COORDINATOR_ID = 9100
SECOND_COORDINATOR_ID = 9200

T = TypeVar("T")


async def started(emulator: TelegramEmulator, user_id: int, name: str, locale: str) -> FakeUser:
    person = emulator.user(user_id, first_name=name, language_code=locale)
    await person.send("/start")
    await person.next_message()
    return person


async def soder_coordinators(
    emulator: TelegramEmulator, *ids: int, locale: str = "en"
) -> tuple[FakeUser, list[FakeUser]]:
    """The admin (English) and coordinators of Söder's incubator, who get cards privately."""
    admin = await started(emulator, ADMIN_ID, "Alma", "en")
    people = []
    for number, user_id in enumerate(ids):
        person = await started(emulator, user_id, f"Coordinator {number + 1}", locale)
        await admin.send(f"/addcoordinator soder {user_id}")
        await admin.next_message()
        people.append(person)
    return admin, people


async def fresh_pitch(running_bot: RunningBot, resident_id: int, title: str) -> Pitch:
    """A pitch for Söder as a resident's journey leaves it, brought to the incubator's chats."""
    now = utcnow()
    async with running_bot.sessionmaker() as session:
        number = await next_reference_number(session, now.year)
        pitch = Pitch(
            reference=format_reference(now.year, number),
            user_id=resident_id,
            language="sv",
            title=title,
            need="Barnen i Nydala behöver en plats att göra läxor.",
            area_code="soder",
            neighbourhood_code="nydala",
            submitter_kind="resident",
            submitter_name="Samira",
            incubator_code="soder",
            consent_at=now,
            submitted_at=now,
            updated_at=now,
        )
        session.add(pitch)
        await session.commit()
        await deliver_pitch(
            running_bot.bot,
            session,
            pitch=pitch,
            city=running_bot.city,
            i18n=running_bot.dispatcher["i18n"],
            settings=running_bot.settings,
        )
        return pitch


async def card_in(chat: FakeGroup | FakeUser) -> tuple[SentMessage, SentMessage]:
    """The card's body and its status line with the buttons."""
    body, control = await chat.next_messages(2)
    return body, control


async def eventually(check: Callable[[], Awaitable[T]], timeout: float = 5.0) -> T:  # noqa: ASYNC109
    """Wait until `check()` gives something truthy (checked every 20 ms), e.g. a row the bot
    writes right after a message it sent."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {check!r}")
        await asyncio.sleep(0.02)


async def recorded(running_bot: RunningBot, message: SentMessage) -> PitchMessage | None:
    """The record that lets a reply to `message` find its pitch."""
    async with running_bot.sessionmaker() as session:
        return await session.get(PitchMessage, (message.chat_id, message.message_id))


async def forget_record(running_bot: RunningBot, message: SentMessage) -> None:
    """As if the bot had not yet recorded `message` (it records right after sending)."""
    async with running_bot.sessionmaker() as session:
        record = await session.get(PitchMessage, (message.chat_id, message.message_id))
        assert record is not None
        await session.delete(record)
        await session.commit()


async def pitch_now(running_bot: RunningBot, pitch_id: int) -> Pitch:
    async with running_bot.sessionmaker() as session:
        found = await session.get(Pitch, pitch_id)
        assert found is not None
        return found


async def history_kinds(running_bot: RunningBot, pitch_id: int) -> list[str]:
    async with running_bot.sessionmaker() as session:
        result = await session.execute(
            select(PitchEvent.kind).where(PitchEvent.pitch_id == pitch_id).order_by(PitchEvent.id)  # type: ignore[arg-type]
        )
        return list(result.scalars())


async def pitch_audits(running_bot: RunningBot, reference: str) -> list[str]:
    """The audit entries of decisions on the pitch (refusals not included)."""
    async with running_bot.sessionmaker() as session:
        result = await session.execute(
            select(AuditEntry.action)
            .where(AuditEntry.subject == reference, AuditEntry.action.startswith("pitch_"))  # type: ignore[attr-defined]
            .order_by(AuditEntry.id)  # type: ignore[arg-type]
        )
        return list(result.scalars())


async def count_rows(running_bot: RunningBot, model: type) -> int:
    async with running_bot.sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())

"""Steps the staff journeys share: people with roles, bound groups, what the tables hold."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select

from playground.emulator import FakeGroup, FakeUser, TelegramEmulator
from storage.models import (
    AuditEntry,
    Coordinator,
    GroupChat,
    IncubatorChat,
    PitchMessage,
    PromotedAdmin,
)
from tests.conftest import RunningBot
from tests.journeys import answer, press, translator, walk_to_summary

ADMIN_ID = 9001
REFERENCE = re.compile(r"MT-\d{4}-\d{4}")
INVALID_BUTTON = "This button is no longer valid."
CANNOT = "Sorry, you can't do that."


async def started(emulator: TelegramEmulator, user_id: int, name: str) -> FakeUser:
    """Someone who has opened a chat with the bot, in English."""
    person = emulator.user(user_id, first_name=name, language_code="en")
    await person.send("/start")
    await person.next_message()
    return person


async def coordinator_of(
    emulator: TelegramEmulator, admin: FakeUser, user_id: int, name: str, *codes: str
) -> FakeUser:
    """A coordinator of `codes`, added by the admin."""
    person = await started(emulator, user_id, name)
    for code in codes:
        added = await answer(admin, f"/addcoordinator {code} {user_id}")
        assert "now coordinates" in (added.text or ""), added.text
    return person


async def bind(group: FakeGroup, who: FakeUser, code: str) -> str:
    """`who` sends /bindchat in the group; the bot's answer."""
    await group.send(who, f"/bindchat {code}")
    return (await group.next_message()).text or ""


async def pitch_for(
    emulator: TelegramEmulator, user_id: int, *, area: str, neighbourhood: str, title: str
) -> tuple[FakeUser, str]:
    """A resident (in English) sends a pitch for a neighbourhood; their reference."""
    resident = emulator.user(user_id, first_name="Resident", language_code="en")
    summary = await walk_to_summary(
        resident, "en", title=title, area=area, neighbourhood=neighbourhood
    )
    confirmation = await press(resident, translator("en")("✅ Send it"), summary)
    found = REFERENCE.search(confirmation.text or "")
    assert found is not None
    return resident, found.group()


async def roles_and_bindings(running_bot: RunningBot) -> dict[str, object]:
    """Everything a staff command may change: admins, coordinators, bindings, languages."""
    async with running_bot.sessionmaker() as session:

        async def rows(query: object) -> list[tuple[object, ...]]:
            return sorted(tuple(row) for row in (await session.execute(query)).all())  # type: ignore[call-overload]

        return {
            "admins": await rows(select(PromotedAdmin.user_id)),
            "coordinators": await rows(select(Coordinator.incubator_code, Coordinator.user_id)),
            "bindings": await rows(select(IncubatorChat.incubator_code, IncubatorChat.chat_id)),
            "languages": await rows(select(GroupChat.chat_id, GroupChat.locale)),
        }


async def refusals(running_bot: RunningBot, actor_id: int) -> list[AuditEntry]:
    async with running_bot.sessionmaker() as session:
        result = await session.execute(
            select(AuditEntry)
            .where(AuditEntry.action == "refused", AuditEntry.actor_id == actor_id)
            .order_by(AuditEntry.id)  # type: ignore[arg-type]
        )
        return list(result.scalars())


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{record.name}: {record.getMessage()}"
        for record in caplog.records
        if record.levelno >= logging.ERROR
    ]


async def wait_until(condition: Callable[[], Awaitable[bool]], timeout: float = 5.0) -> None:  # noqa: ASYNC109
    """Wait for something the bot writes without telling Telegram (checked every 20 ms)."""
    async with asyncio.timeout(timeout):
        while not await condition():  # noqa: ASYNC110 (a database row sends no event)
            await asyncio.sleep(0.02)


async def remembered(running_bot: RunningBot, chat_id: int, message_id: int) -> None:
    """Wait until the bot has stored what its message is about (it commits after sending),
    so a reply to the message finds its pitch."""

    async def stored() -> bool:
        async with running_bot.sessionmaker() as session:
            return await session.get(PitchMessage, (chat_id, message_id)) is not None

    await wait_until(stored)

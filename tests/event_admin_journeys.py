"""Staff's event journeys as reusable steps: coordinators, events made through the use case,
and the wizard walked to a step, for the journey and property tests of event admin."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.event_fields import EventDraft
from core.services import event_publishing as publishing
from core.services import users
from core.services.event_publishing import Renderer
from core.services.roles import Roles
from playground.emulator import FakeUser, SentMessage, TelegramEmulator
from storage import coordination
from storage import events as event_data
from storage.models import Event, utcnow
from tests.conftest import RunningBot
from tests.journeys import CITY, answer, press, translator

TZ = ZoneInfo("Europe/Stockholm")
SV = translator("sv")
ADMIN = Roles(user_id=1, is_admin=True, incubators=frozenset())


async def coordinator(
    emulator: TelegramEmulator, running_bot: RunningBot, user_id: int, *incubators: str
) -> FakeUser:
    """A Swedish-speaking coordinator of these incubators."""
    async with running_bot.sessionmaker() as session:
        await users.ensure_user(
            session, telegram_id=user_id, language_code="sv", default_locale="sv", now=utcnow()
        )
        for code in incubators:
            await coordination.add_coordinator(
                session, incubator_code=code, user_id=user_id, added_by=0, now=utcnow()
            )
        await session.commit()
    return emulator.user(user_id, first_name=f"Coordinator {user_id}", language_code="sv")


async def no_longer_coordinator(running_bot: RunningBot, user_id: int, incubator: str) -> None:
    async with running_bot.sessionmaker() as session:
        await coordination.remove_coordinator(session, incubator_code=incubator, user_id=user_id)
        await session.commit()


def in_days(days: int, hour: int) -> tuple[str, datetime]:
    """A day `days` ahead as typed ("D/M HH:00") and the moment it means, in UTC."""
    day = (datetime.now(TZ) + timedelta(days=days)).date()
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=TZ).astimezone(UTC)
    return f"{day.day}/{day.month} {hour}:00", moment


def renderer(running_bot: RunningBot) -> Renderer:
    settings = running_bot.settings
    return Renderer(
        i18n=running_bot.dispatcher["i18n"],
        city=running_bot.city,
        tz=settings.tz,
        default_locale=settings.default_locale,
        announcement_chat_id=settings.announcement_chat_id,
    )


async def published_event(
    running_bot: RunningBot,
    *,
    actor: Roles = ADMIN,
    area_code: str | None = "soder",
    days: int = 10,
    capacity: int | None = None,
) -> Event:
    """An event published through the use case, as the wizard would."""
    _typed, starts_at = in_days(days, 18)
    draft = EventDraft(
        kind="lunch_learn",
        titles={"sv": "Lunch i Nydala"},
        default_locale="sv",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        place="Nydala bibliotek",
        area_code=area_code,
        capacity=capacity,
    )
    async with running_bot.sessionmaker() as session:
        return await publishing.create_event(
            session,
            actor=actor,
            draft=draft,
            publish_at=None,
            now=utcnow(),
            renderer=renderer(running_bot),
            event_jobs=running_bot.dispatcher["event_jobs"],
        )


async def stored_event(running_bot: RunningBot, event_id: int | None) -> Event:
    async with running_bot.sessionmaker() as session:
        event = await event_data.get_event(session, event_id or 0)
    assert event is not None
    return event


async def all_events(running_bot: RunningBot) -> list[tuple[object, ...]]:
    """Every event's columns, to tell that nothing changed."""
    async with running_bot.sessionmaker() as session:
        rows = (await session.execute(select(Event).order_by(Event.id))).scalars().all()
    return [tuple(row.model_dump().values()) for row in rows]


async def walk_to_capacity(user: FakeUser, *, area_code: str = "soder") -> SentMessage:
    """/newevent answered up to the number of places; that question."""
    await user.send("/newevent")
    kinds = await user.next_message()
    await press(user, "💡 " + SV("Inspirational lecture"), kinds)
    await answer(user, "Föreläsning om odling")
    languages = await press(user, SV("Skip ➡️"))
    await press(user, SV("Continue ➡️"), languages)
    typed_start, _start = in_days(6, 18)
    await answer(user, typed_start)
    await answer(user, "20:00")
    areas = await answer(user, "Nydala bibliotek")
    return await press(user, CITY.area(area_code).name("sv"), areas)  # type: ignore[union-attr]


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What handlers/errors.py logged: an exception escaped a handler."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "handlers.errors" and record.levelno >= logging.ERROR
    ]

"""Answers given at the same moment, on SQLite and PostgreSQL: places are claimed one at a
time, the waiting list keeps the order the answers were taken in, and a freed place goes to
the first in line exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.city import load_city
from core.languages import create_i18n
from core.services import attendance as service
from core.services.city_sync import sync_city_data
from storage import events as data
from storage.models import Event, OutboxMessage, User

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TZ = ZoneInfo("Europe/Stockholm")
CITY = load_city()
I18N = create_i18n("sv")
PEOPLE = tuple(range(101, 106))
ROUNDS = 10


@pytest.fixture
async def makers(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> async_sessionmaker[AsyncSession]:
    async with sessionmaker() as session:
        await sync_city_data(session, CITY, now=NOW)
        session.add_all(
            User(telegram_id=user_id, locale="sv", first_seen_at=NOW) for user_id in PEOPLE
        )
        await session.commit()
    return sessionmaker


async def new_event(sessionmaker: async_sessionmaker[AsyncSession], capacity: int) -> int:
    starts = NOW + timedelta(days=3)
    async with sessionmaker() as session:
        event = await data.add_event(
            session,
            Event(
                kind="lunch_learn",
                titles={"sv": "Lärande Lunch"},
                default_locale="sv",
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                place="Nydala bibliotek",
                capacity=capacity,
                status="published",
            ),
        )
        await session.commit()
        assert event.id is not None
        return event.id


async def answer(
    sessionmaker: async_sessionmaker[AsyncSession], event_id: int, user_id: int, what: str
) -> service.RsvpResult:
    async with sessionmaker() as session:
        return await service.rsvp(
            session,
            event_id=event_id,
            user_id=user_id,
            answer=what,
            now=NOW,
            i18n=I18N,
            city=CITY,
            tz=TZ,
        )


@pytest.mark.parametrize("capacity", [1, 2])
async def test_going_at_once_fills_exactly_the_places(
    makers: async_sessionmaker[AsyncSession], capacity: int
) -> None:
    for _ in range(ROUNDS):
        event_id = await new_event(makers, capacity)
        results = await asyncio.gather(*(answer(makers, event_id, u, "going") for u in PEOPLE))
        going = [r for r in results if r.status == "going"]
        told = sorted(
            (r.position, u) for u, r in zip(PEOPLE, results, strict=True) if r.status == "waiting"
        )
        assert len(going) == capacity
        assert [p for p, _ in told] == list(range(1, len(PEOPLE) - capacity + 1))
        async with makers() as session:
            line = [r.user_id for r in await data.waiting_list(session, event_id)]
            counts = await data.rsvp_counts(session, event_id)
        assert line == [u for _, u in told]
        assert counts == data.RsvpCounts(going=capacity, waiting=len(PEOPLE) - capacity)


async def fill(sessionmaker: async_sessionmaker[AsyncSession], capacity: int) -> int:
    """A new event with `capacity` places: the first people going, the rest waiting."""
    event_id = await new_event(sessionmaker, capacity)
    for user_id in PEOPLE:
        await answer(sessionmaker, event_id, user_id, "going")
    return event_id


async def line_and_going(
    sessionmaker: async_sessionmaker[AsyncSession], event_id: int
) -> tuple[list[int], list[int]]:
    async with sessionmaker() as session:
        line = [r.user_id for r in await data.waiting_list(session, event_id)]
        going = [u for u, _ in await data.rsvp_people(session, event_id, ["going"])]
    return line, going


async def test_two_leaving_at_once_promote_the_first_two_once(
    makers: async_sessionmaker[AsyncSession],
) -> None:
    for _ in range(ROUNDS):
        event_id = await fill(makers, 2)
        # 101 and 102 leave at once, and 101 presses twice.
        results = await asyncio.gather(
            *(answer(makers, event_id, u, "not_going") for u in (101, 102, 101))
        )
        promoted = [u for r in results for u in r.promoted]
        assert sorted(promoted) == [103, 104]
        assert sorted(r.changed for r in results) == [False, True, True]
        assert await line_and_going(makers, event_id) == ([105], [103, 104])


async def two_places(
    sessionmaker: async_sessionmaker[AsyncSession], event_id: int
) -> tuple[int, ...]:
    """What an edit raising the places to two does: commit the edit, then fill the places."""
    async with sessionmaker() as session:
        event = await data.get_event(session, event_id)
        await data.update_event(session, event, now=NOW, capacity=2)  # type: ignore[arg-type]
        await session.commit()
        return await service.fill_from_waiting_list(
            session, event_id=event_id, now=NOW, i18n=I18N, city=CITY, tz=TZ
        )


async def test_more_places_while_someone_leaves_gives_each_place_once(
    makers: async_sessionmaker[AsyncSession],
) -> None:
    for _ in range(ROUNDS):
        event_id = await fill(makers, 1)

        raised, left = await asyncio.gather(
            two_places(makers, event_id), answer(makers, event_id, 101, "not_going")
        )
        assert sorted(raised + left.promoted) == [102, 103]
        assert await line_and_going(makers, event_id) == ([104, 105], [102, 103])
        async with makers() as session:
            notices = await session.execute(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.dedupe_key.like(f"event:{event_id}:promoted:%")  # type: ignore[union-attr]
                )
            )
        assert notices.scalar_one() == 2

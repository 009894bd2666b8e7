"""Events' data functions and services on SQLite and PostgreSQL: upcoming events, answers
with a waiting list, subscriptions and who gets what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.city import load_city
from core.languages import create_i18n
from core.services import attendance as service
from core.services import subscriptions
from core.services.city_sync import sync_city_data
from storage import events as data
from storage import subscriptions as subs
from storage.database import create_engine, create_sessionmaker
from storage.migrate import alembic_config
from storage.models import Event, OutboxMessage, User
from storage.subscriptions import SubscriptionChoice

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TZ = ZoneInfo("Europe/Stockholm")
CITY = load_city()
I18N = create_i18n("sv")


@pytest.fixture
async def city_session(session: AsyncSession) -> AsyncSession:
    await sync_city_data(session, CITY, now=NOW)
    await session.commit()
    return session


async def add_users(session: AsyncSession, *people: tuple[int, str]) -> None:
    for telegram_id, locale in people:
        session.add(User(telegram_id=telegram_id, locale=locale, first_seen_at=NOW))
    await session.flush()


def make_event(
    *,
    kind: str = "lunch_learn",
    area: str | None = "soder",
    days: int = 3,
    status: str = "published",
    capacity: int | None = None,
) -> Event:
    starts = NOW + timedelta(days=days)
    return Event(
        kind=kind,
        titles={"sv": "Lärande Lunch i Nydala", "en": "Lunch & Learn in Nydala"},
        descriptions={"sv": "Vi äter och lär."},
        default_locale="sv",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        place="Nydala bibliotek",
        area_code=area,
        capacity=capacity,
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )


async def subscribe(
    session: AsyncSession,
    user_id: int,
    kinds: set[str],
    areas: set[str] = frozenset(),  # type: ignore[assignment]
    *,
    reminders: bool = True,
    digest: bool = False,
) -> None:
    await subs.save_subscription(
        session,
        user_id=user_id,
        choice=SubscriptionChoice(
            kinds=frozenset(kinds), areas=frozenset(areas), reminders=reminders, digest=digest
        ),
        now=NOW,
    )


async def test_upcoming_events_are_published_future_ones_soonest_first(
    city_session: AsyncSession,
) -> None:
    session = city_session
    later = await data.add_event(session, make_event(days=10))
    sooner = await data.add_event(session, make_event(days=2))
    await data.add_event(session, make_event(days=1, status="scheduled"))
    await data.add_event(session, make_event(days=1, status="cancelled"))
    await data.add_event(session, make_event(days=-1))
    await session.commit()

    found = await data.upcoming_events(session, now=NOW)
    assert [e.id for e in found] == [sooner.id, later.id]
    assert await data.count_upcoming_events(session, now=NOW) == 2
    assert [e.id for e in await data.upcoming_events(session, now=NOW, limit=1, offset=1)] == [
        later.id
    ]


async def test_update_event_raises_the_version(city_session: AsyncSession) -> None:
    session = city_session
    event = await data.add_event(session, make_event())
    assert event.version == 1
    await data.update_event(session, event, now=NOW, place="Stadsbiblioteket")
    await session.commit()
    stored = await data.get_event(session, event.id)  # type: ignore[arg-type]
    assert (stored.place, stored.version) == ("Stadsbiblioteket", 2)  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        await data.update_event(session, event, now=NOW, version=7)


async def test_recipients_of_an_announcement_match_kind_and_area(
    city_session: AsyncSession,
) -> None:
    session = city_session
    await add_users(
        session,
        (1, "sv"),  # lunch, Söder
        (2, "es"),  # lunch, every area
        (3, "ar"),  # lunch, Norr only
        (4, "en"),  # lectures only
        (5, "sv"),  # lunch, Söder, but blocked the bot
        (6, "en"),  # no subscription
        (7, "ar"),  # lunch in Söder and Norr
    )
    await subscribe(session, 1, {"lunch_learn"}, {"soder"})
    await subscribe(session, 2, {"lunch_learn", "lecture"})
    await subscribe(session, 3, {"lunch_learn"}, {"norr"})
    await subscribe(session, 4, {"lecture"})
    await subscribe(session, 5, {"lunch_learn"}, {"soder"})
    await subscribe(session, 7, {"lunch_learn", "meetup"}, {"soder", "norr"})
    blocked = await session.get(User, 5)
    blocked.blocked_at = NOW  # type: ignore[union-attr]
    soder_lunch = await data.add_event(session, make_event(area="soder"))
    city_wide_lunch = await data.add_event(session, make_event(area=None))
    norr_lecture = await data.add_event(session, make_event(kind="lecture", area="norr"))
    vaster_meetup = await data.add_event(session, make_event(kind="meetup", area="vaster"))
    await session.commit()

    assert await subs.subscribers_for_event(session, soder_lunch) == [
        (1, "sv"),
        (2, "es"),
        (7, "ar"),
    ]
    assert await subs.subscribers_for_event(session, city_wide_lunch) == [
        (1, "sv"),
        (2, "es"),
        (3, "ar"),
        (7, "ar"),
    ]
    assert await subs.subscribers_for_event(session, norr_lecture) == [
        (2, "es"),
        (4, "en"),
    ]
    assert await subs.subscribers_for_event(session, vaster_meetup) == []


async def test_reminders_digest_and_answers_reach_the_right_people(
    city_session: AsyncSession,
) -> None:
    session = city_session
    await add_users(session, (1, "sv"), (2, "es"), (3, "ar"), (4, "en"), (5, "sv"))
    event = await data.add_event(session, make_event())
    for user_id, status in ((1, "going"), (2, "going"), (3, "going"), (4, "waiting")):
        await data.set_rsvp(session, event_id=event.id, user_id=user_id, status=status, now=NOW)  # type: ignore[arg-type]
    await subscribe(session, 2, {"lecture"}, reminders=False, digest=True)
    await subscribe(session, 4, {"lecture"}, digest=True)
    await subscribe(session, 5, {"lecture"}, digest=True)
    blocked = await session.get(User, 3)
    blocked.blocked_at = NOW  # type: ignore[union-attr]
    await session.commit()

    # 1 has no subscription and still gets reminders; 2 turned them off; 3 blocked the bot.
    assert await data.reminder_recipients(session, event.id) == [(1, "sv")]  # type: ignore[arg-type]
    assert await subs.digest_recipients(session) == [(2, "es"), (4, "en"), (5, "sv")]
    assert await data.rsvp_people(session, event.id, ["going"]) == [(1, "sv"), (2, "es")]  # type: ignore[arg-type]
    assert await data.rsvp_people(session, event.id, ["going", "waiting"]) == [  # type: ignore[arg-type]
        (1, "sv"),
        (2, "es"),
        (4, "en"),
    ]


async def test_subscription_round_trip_and_unsubscribe_stops_everything(
    city_session: AsyncSession,
) -> None:
    session = city_session
    await add_users(session, (1, "sv"))
    assert await subs.get_subscription(session, 1) is None
    choice = SubscriptionChoice(
        kinds=frozenset({"malmo_hour", "training"}),
        areas=frozenset({"oster"}),
        reminders=False,
        digest=True,
    )
    await subscriptions.save_subscription(session, user_id=1, choice=choice, city=CITY, now=NOW)
    assert await subs.get_subscription(session, 1) == choice

    with pytest.raises(subscriptions.InvalidSubscription):
        await subscriptions.save_subscription(
            session, user_id=1, choice=SubscriptionChoice(), city=CITY, now=NOW
        )
    with pytest.raises(subscriptions.InvalidSubscription):
        await subscriptions.save_subscription(
            session,
            user_id=1,
            choice=SubscriptionChoice(kinds=frozenset({"lunch_learn"}), areas={"atlantis"}),  # type: ignore[arg-type]
            city=CITY,
            now=NOW,
        )
    assert await subs.get_subscription(session, 1) == choice

    await subscriptions.unsubscribe(session, user_id=1, now=NOW)
    event = await data.add_event(session, make_event(kind="malmo_hour", area="oster"))
    await data.set_rsvp(session, event_id=event.id, user_id=1, status="going", now=NOW)  # type: ignore[arg-type]
    await session.commit()
    assert await subs.subscribers_for_event(session, event) == []
    assert await subs.subscribers(session) == []  # a broadcast to everyone leaves them out
    assert await subs.digest_recipients(session) == []
    assert await data.reminder_recipients(session, event.id) == []  # type: ignore[arg-type]

    assert await subs.delete_subscription(session, 1)
    await session.commit()
    assert await subs.get_subscription(session, 1) is None


async def test_a_full_event_has_a_waiting_list_and_a_freed_place_goes_to_the_first(
    city_session: AsyncSession,
) -> None:
    session = city_session
    await add_users(session, (1, "sv"), (2, "es"), (3, "ar"))
    event = await data.add_event(session, make_event(capacity=1))
    await session.commit()
    event_id = event.id
    assert event_id is not None

    async def answer(user_id: int, what: str, minutes: int) -> service.RsvpResult:
        return await service.rsvp(
            session,
            event_id=event_id,
            user_id=user_id,
            answer=what,
            now=NOW + timedelta(minutes=minutes),
            i18n=I18N,
            city=CITY,
            tz=TZ,
        )

    first = await answer(1, "going", 0)
    assert (first.status, first.changed, first.counts) == ("going", True, data.RsvpCounts(1, 0))
    second = await answer(2, "going", 1)
    assert (second.status, second.position) == ("waiting", 1)
    third = await answer(3, "going", 2)
    assert (third.status, third.position) == ("waiting", 2)
    again = await answer(2, "going", 3)  # pressing again keeps one's place
    assert (again.status, again.changed, again.position) == ("waiting", False, 1)

    freed = await answer(1, "not_going", 4)
    assert freed.promoted == (2,)
    assert freed.counts == data.RsvpCounts(going=1, waiting=1)
    assert [r.user_id for r in await data.waiting_list(session, event_id)] == [3]

    queued = (await session.execute(select(OutboxMessage))).scalars().all()
    assert [(m.chat_id, m.status) for m in queued] == [(2, "queued")]
    payload = queued[0].payload
    assert payload["method"] == "sendMessage"
    assert payload["parse_mode"] == "HTML"
    # Told in Spanish (the catalog falls back to the English source until translated).
    expected = I18N.gettext(
        "🎉 Good news: a place opened up, and you are now coming to <b>{title}</b> "
        "({when}). If you can't make it after all, please press ❌ Not going, "
        "so that someone else can have the place.",
        locale="es",
    )
    assert str(payload["text"]).startswith(expected.split("{title}")[0])
    assert "Lärande Lunch i Nydala" in str(payload["text"])  # no Spanish title: the Swedish
    buttons = payload["reply_markup"]["inline_keyboard"]  # type: ignore[index]
    assert buttons[0][0]["callback_data"] == f"ev:going:{event_id}:1"


async def test_answers_to_unavailable_events_are_refused(city_session: AsyncSession) -> None:
    session = city_session
    await add_users(session, (1, "sv"))
    past = await data.add_event(session, make_event(days=-1))
    scheduled = await data.add_event(session, make_event(status="scheduled"))
    cancelled = await data.add_event(session, make_event(status="cancelled"))
    edited = await data.add_event(session, make_event())
    await data.update_event(session, edited, now=NOW, place="Annat ställe")
    await session.commit()
    ids = [event.id for event in (past, scheduled, cancelled, edited)]

    cases = [
        (ids[0], None, "past"),
        (ids[1], None, "unpublished"),
        (ids[2], None, "cancelled"),
        (ids[3], 1, "stale"),
        (999_999, None, "missing"),
    ]
    for event_id, version, reason in cases:
        with pytest.raises(service.EventUnavailable) as refused:
            await service.rsvp(
                session,
                event_id=event_id,  # type: ignore[arg-type]
                user_id=1,
                answer="going",
                now=NOW,
                i18n=I18N,
                city=CITY,
                tz=TZ,
                version=version,
            )
        assert refused.value.reason == reason
    for event_id in ids:
        assert await data.get_rsvp(session, event_id, 1) is None  # type: ignore[arg-type]


async def test_the_migration_numbers_those_already_waiting_in_their_order(
    empty_database_url: str,
) -> None:
    """0005 gives the people waiting before it the numbers of the order they had."""

    def migrate(connection: object, revision: str, down: bool = False) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)

    engine = create_engine(empty_database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(migrate, "0004")
        async with create_sessionmaker(engine)() as session:
            event = make_event(capacity=1, area=None)
            event = await data.add_event(session, event)
            rows = [(1, "going", 0), (2, "waiting", 9), (3, "waiting", 5), (4, "waiting", 5)]
            for user_id, status, minutes in rows:
                await session.execute(
                    text(
                        "INSERT INTO event_rsvps (event_id, user_id, status, created_at, "
                        "updated_at) VALUES (:event, :user, :status, :at, :at)"
                    ),
                    {
                        "event": event.id,
                        "user": user_id,
                        "status": status,
                        "at": NOW + timedelta(minutes=minutes),
                    },
                )
            await session.commit()
            event_id = event.id
        async with engine.begin() as connection:
            await connection.run_sync(migrate, "head")
        async with create_sessionmaker(engine)() as session:
            line = await data.waiting_list(session, event_id)  # type: ignore[arg-type]
            assert [(r.user_id, r.waiting_number) for r in line] == [(3, 1), (4, 2), (2, 3)]
            assert (await data.get_rsvp(session, event_id, 1)).waiting_number is None  # type: ignore[arg-type, union-attr]
        async with engine.begin() as connection:
            await connection.run_sync(migrate, "0004", True)
            await connection.run_sync(migrate, "head")
    finally:
        await engine.dispose()

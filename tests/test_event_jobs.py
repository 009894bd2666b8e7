"""Event jobs on the real job store: ids and moments, moved by edits, removed by cancelling,
kept across a restart, run once however often they fire, and never after the start."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import jobs
from bot.app import run_clock
from bot.scheduler import ApschedulerEventJobs, create_scheduler, schedule_digest
from core.city import load_city
from core.languages import create_i18n
from core.schedule import DIGEST_WEEKLY, FLAG_UNTAKEN, publish_job_id, reminder_job_id
from core.services import event_changes as changes
from core.services import event_publishing as publishing
from core.services import users
from core.services.city_sync import sync_city_data
from core.services.event_publishing import Audience, EventDraft, Renderer
from core.services.roles import NotAllowed, Roles
from playground.emulator import TelegramEmulator
from storage import events as event_data
from storage import subscriptions as subs
from storage.models import Event, OutboxMessage, Rsvp
from tests.conftest import make_settings

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
STARTS = datetime(2026, 12, 3, 11, 0, tzinfo=UTC)  # 12:00 in Malmö
CITY = load_city()
I18N = create_i18n("sv")
ADMIN = Roles(user_id=1, is_admin=True, incubators=frozenset())


class _NoEmulator:
    token = "1:test"
    base_url = "http://127.0.0.1:9"


def renderer() -> Renderer:
    return Renderer(i18n=I18N, city=CITY, tz=TZ, default_locale="sv")


def draft(**changes: object) -> EventDraft:
    values: dict[str, object] = {
        "kind": "malmo_hour",
        "titles": {"sv": "Malmötimmen i Rosengård"},
        "default_locale": "sv",
        "starts_at": STARTS,
        "ends_at": STARTS + timedelta(hours=1),
        "place": "Rosengårds bibliotek",
        "area_code": "oster",
        **changes,
    }
    return EventDraft(**values)  # type: ignore[arg-type]


def scheduler_for(database_url: str) -> AsyncIOScheduler:
    scheduler = create_scheduler(make_settings(_NoEmulator, database_url))  # type: ignore[arg-type]
    scheduler.start(paused=True)
    return scheduler


async def people(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """The city's areas; an Arabic subscriber of the Malmö Hour, an English one of lectures."""
    async with sessionmaker() as session:
        await sync_city_data(session, CITY, now=NOW)
    async with sessionmaker() as session:
        for user_id, locale, kinds in ((11, "ar", {"malmo_hour"}), (12, "en", {"lecture"})):
            await users.ensure_user(
                session, telegram_id=user_id, language_code=locale, default_locale="sv", now=NOW
            )
            await subs.save_subscription(
                session,
                user_id=user_id,
                choice=subs.SubscriptionChoice(kinds=frozenset(kinds), digest=True),
                now=NOW,
            )
        await session.commit()


async def outbox(sessionmaker: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessionmaker() as session:
        result = await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))
        return list(result.scalars().all())


async def test_jobs_are_stored_moved_removed_and_survive_a_restart(
    sessionmaker: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await people(sessionmaker)
    jobs.bind(
        jobs.JobContext(
            sessionmaker=sessionmaker,
            i18n=I18N,
            city=CITY,
            settings=make_settings(_NoEmulator, database_url),  # type: ignore[arg-type]
        )
    )
    publish_at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    scheduler = scheduler_for(database_url)
    async with sessionmaker() as session:
        event = await publishing.create_event(
            session,
            actor=ADMIN,
            draft=draft(),
            publish_at=publish_at,
            now=NOW,
            renderer=renderer(),
            event_jobs=ApschedulerEventJobs(scheduler),
        )
    event_id = event.id
    assert event_id is not None
    scheduler.shutdown(wait=False)

    # A new process: the jobs come from the database.
    scheduler = scheduler_for(database_url)
    publish = scheduler.get_job(publish_job_id(event_id))
    day_before = scheduler.get_job(reminder_job_id(event_id, "24h"))
    hour_before = scheduler.get_job(reminder_job_id(event_id, "1h"))
    assert publish.func is jobs.publish_event and publish.args == (event_id, 1)
    assert publish.next_run_time == publish_at
    assert day_before.next_run_time == STARTS - timedelta(hours=24)
    assert hour_before.next_run_time == STARTS - timedelta(hours=1)
    # Grace never reaches the start.
    for job in (publish, day_before, hour_before):
        assert job.next_run_time + timedelta(seconds=job.misfire_grace_time) < STARTS
        assert job.coalesce is True

    # Each fires (twice, as after a restart in the middle): the messages are queued once.
    assert await jobs.publish_event(*publish.args, now=publish_at) == 1
    assert await jobs.publish_event(*publish.args, now=publish_at) is None
    async with sessionmaker() as session:
        await event_data.set_rsvp(session, event_id=event_id, user_id=11, status="going", now=NOW)
        await session.commit()
    assert await jobs.remind_event(*day_before.args, now=day_before.next_run_time) == 1
    assert await jobs.remind_event(*day_before.args, now=day_before.next_run_time) == 0
    assert await jobs.remind_event(*hour_before.args, now=hour_before.next_run_time) == 1
    # After the start a reminder does nothing.
    assert await jobs.remind_event(*hour_before.args, now=STARTS + timedelta(minutes=1)) is None
    queued = await outbox(sessionmaker)
    assert [row.dedupe_key for row in queued] == [
        f"event:{event_id}:v1:announce:11",
        f"event:{event_id}:v1:remind:24h:11",
        f"event:{event_id}:v1:remind:1h:11",
    ]
    with I18N.context(), I18N.use_locale("ar"):
        heading = I18N.gettext("📣 <b>New event</b>")
    assert queued[0].payload["text"].startswith(heading)  # type: ignore[union-attr]
    assert queued[0].payload["parse_mode"] == "HTML"
    assert "inline_keyboard" in queued[0].payload["reply_markup"]  # type: ignore[operator]

    # Moving the start moves the reminders; the old version's jobs would do nothing.
    async with sessionmaker() as session:
        moved, told = await changes.edit_event(
            session,
            actor=ADMIN,
            event_id=event_id,
            expected_version=1,
            changes={
                "starts_at": STARTS + timedelta(days=1),
                "ends_at": STARTS + timedelta(days=1, hours=1),
            },
            now=NOW,
            renderer=renderer(),
            event_jobs=ApschedulerEventJobs(scheduler),
        )
    assert (moved.version, told) == (2, 1)
    day_before_moved = scheduler.get_job(reminder_job_id(event_id, "24h"))
    assert day_before_moved.next_run_time == STARTS
    assert day_before_moved.args == (event_id, 2, "24h")
    assert await jobs.remind_event(*day_before.args, now=day_before.next_run_time) is None
    # An edit with an older version in hand is refused.
    async with sessionmaker() as session:
        try:
            await changes.edit_event(
                session,
                actor=ADMIN,
                event_id=event_id,
                expected_version=1,
                changes={"place": "Somewhere else"},
                now=NOW,
                renderer=renderer(),
                event_jobs=ApschedulerEventJobs(scheduler),
            )
        except NotAllowed as refused:
            assert refused.reason == "stale"
        else:
            raise AssertionError("a stale edit went through")

    # Cancelling tells the people going and removes every job of the event.
    async with sessionmaker() as session:
        cancelled, told = await changes.cancel_event(
            session,
            actor=ADMIN,
            event_id=event_id,
            expected_version=2,
            now=NOW,
            renderer=renderer(),
            event_jobs=ApschedulerEventJobs(scheduler),
        )
    assert (cancelled.status, told) == ("cancelled", 1)
    assert [job.id for job in scheduler.get_jobs()] == []
    assert await jobs.remind_event(*day_before_moved.args, now=STARTS) is None
    keys = [row.dedupe_key for row in await outbox(sessionmaker)]
    assert keys[-2:] == [f"event:{event_id}:v2:changed:11", f"event:{event_id}:cancelled:11"]
    scheduler.shutdown(wait=False)


async def test_a_missed_publish_after_the_start_does_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await people(sessionmaker)
    jobs.bind(
        jobs.JobContext(
            sessionmaker=sessionmaker,
            i18n=I18N,
            city=CITY,
            settings=make_settings(_NoEmulator, database_url),  # type: ignore[arg-type]
        )
    )
    scheduler = scheduler_for(database_url)
    async with sessionmaker() as session:
        event = await publishing.create_event(
            session,
            actor=ADMIN,
            draft=draft(),
            publish_at=NOW + timedelta(days=1),
            now=NOW,
            renderer=renderer(),
            event_jobs=ApschedulerEventJobs(scheduler),
        )
    scheduler.shutdown(wait=False)
    assert await jobs.publish_event(event.id, 1, now=STARTS) is None  # type: ignore[arg-type]
    assert await outbox(sessionmaker) == []
    async with sessionmaker() as session:
        stored = await session.get(Event, event.id)
        assert stored is not None and stored.status == "scheduled"


async def test_the_weekly_digest(
    sessionmaker: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await people(sessionmaker)
    settings = make_settings(_NoEmulator, database_url)  # type: ignore[arg-type]
    jobs.bind(jobs.JobContext(sessionmaker=sessionmaker, i18n=I18N, city=CITY, settings=settings))
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # 08:00 in Malmö
    # No events: nobody gets anything.
    assert await jobs.send_weekly_digest(now=monday) == 0
    scheduler = scheduler_for(database_url)
    async with sessionmaker() as session:
        await publishing.create_event(
            session,
            actor=ADMIN,
            draft=draft(),
            publish_at=None,
            now=NOW,
            renderer=renderer(),
            event_jobs=ApschedulerEventJobs(scheduler),
        )
        await publishing.create_event(  # more than a week after Monday: not in the digest
            session,
            actor=ADMIN,
            draft=draft(
                titles={"sv": "Senare"},
                starts_at=STARTS + timedelta(days=10),
                ends_at=STARTS + timedelta(days=10, hours=1),
            ),
            publish_at=None,
            now=NOW,
            renderer=renderer(),
            event_jobs=ApschedulerEventJobs(scheduler),
        )
    announcements = len(await outbox(sessionmaker))
    assert await jobs.send_weekly_digest(now=monday) == 2
    assert await jobs.send_weekly_digest(now=monday + timedelta(hours=1)) == 0
    digests = (await outbox(sessionmaker))[announcements:]
    assert sorted(row.chat_id for row in digests) == [11, 12]
    assert all("Malmötimmen i Rosengård" in row.payload["text"] for row in digests)  # type: ignore[operator]
    assert not any("Senare" in row.payload["text"] for row in digests)  # type: ignore[operator]
    buttons = [row.payload["reply_markup"]["inline_keyboard"] for row in digests]  # type: ignore[index]
    assert all(rows[0][0]["callback_data"] == "ev:unsubscribe:0:0" for rows in buttons)

    schedule_digest(scheduler)
    job = scheduler.get_job(DIGEST_WEEKLY)
    local = job.next_run_time.astimezone(TZ)
    assert (local.weekday(), local.hour, local.minute) == (0, 8, 0)
    assert job.func is jobs.send_weekly_digest
    scheduler.shutdown(wait=False)


async def test_coordinators_publish_city_wide_and_in_their_areas_only(
    sessionmaker: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    coordinator = Roles(user_id=5, is_admin=False, incubators=frozenset({"soder"}))
    await people(sessionmaker)
    scheduler = scheduler_for(database_url)
    async with sessionmaker() as session:
        try:
            await publishing.create_event(
                session,
                actor=coordinator,
                draft=draft(area_code="norr"),
                publish_at=None,
                now=NOW,
                renderer=renderer(),
                event_jobs=ApschedulerEventJobs(scheduler),
            )
        except NotAllowed as refused:
            assert refused.reason == "not_your_area"
        else:
            raise AssertionError("a coordinator published outside their areas")
        for area in ("soder", None):
            event = await publishing.create_event(
                session,
                actor=coordinator,
                draft=draft(area_code=area),
                publish_at=None,
                now=NOW,
                renderer=renderer(),
                event_jobs=ApschedulerEventJobs(scheduler),
            )
            assert event.status == "published"
        # Nor may they broadcast to an area they don't serve.
        try:
            await publishing.broadcast_recipients(
                session,
                actor=coordinator,
                audience=Audience(area_code="norr"),
                city=CITY,
                now=NOW,
            )
        except NotAllowed as refused:
            assert refused.reason == "not_your_area"
        else:
            raise AssertionError("a coordinator reached another area")
        rsvps = (await session.execute(select(Rsvp))).all()
        assert rsvps == []
    scheduler.shutdown(wait=False)


def test_audience_values_round_trip() -> None:
    for audience in (Audience(), Audience(kind="lecture"), Audience(area_code="soder")):
        assert Audience.parse(audience.value()) == audience
    assert Audience.parse("kind=nonsense") is None
    assert Audience.parse("everyone") is None


async def test_the_clock_process_runs_the_jobs_without_polling(
    emulator: TelegramEmulator, database_url: str
) -> None:
    """`python -m bot clock`: the recurring jobs are in place and run from there, and the
    clock never asks Telegram for updates."""
    settings = make_settings(emulator, database_url)
    clock = asyncio.create_task(run_clock(settings))
    try:
        reader = create_scheduler(settings)
        reader.start(paused=True)
        await emulator.wait_for(lambda: reader.get_job(DIGEST_WEEKLY) is not None)
        assert {job.id for job in reader.get_jobs()} >= {DIGEST_WEEKLY, FLAG_UNTAKEN}
        reader.shutdown(wait=False)
    finally:
        clock.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await clock
    assert emulator.calls_to("getUpdates") == []


async def test_more_places_go_to_those_waiting_in_order(
    sessionmaker: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await people(sessionmaker)
    scheduler = scheduler_for(database_url)
    async with sessionmaker() as session:
        event = await publishing.create_event(
            session,
            actor=ADMIN,
            draft=draft(capacity=1),
            publish_at=None,
            now=NOW,
            renderer=renderer(),
            event_jobs=ApschedulerEventJobs(scheduler),
        )
    assert event.id is not None
    async with sessionmaker() as session:
        for user_id, status in ((11, "going"), (12, "waiting")):
            await event_data.set_rsvp(
                session, event_id=event.id, user_id=user_id, status=status, now=NOW
            )
        await session.commit()
    queued_before = len(await outbox(sessionmaker))

    async with sessionmaker() as session:
        await changes.edit_event(
            session,
            actor=ADMIN,
            event_id=event.id,
            expected_version=event.version,
            changes={"capacity": 2},
            now=NOW,
            renderer=renderer(),
            event_jobs=ApschedulerEventJobs(scheduler),
        )
    scheduler.shutdown(wait=False)
    async with sessionmaker() as session:
        answers = {
            row.user_id: row.status for row in (await session.execute(select(Rsvp))).scalars()
        }
    assert answers == {11: "going", 12: "going"}
    told = (await outbox(sessionmaker))[queued_before:]
    assert [row.chat_id for row in told] == [12]
    assert "Malmötimmen i Rosengård" in told[0].payload["text"]  # type: ignore[operator]

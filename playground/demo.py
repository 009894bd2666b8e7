"""What the playground puts in its database: its staff always, and with `--demo-data` a few
events, subscriptions and pitches in different states, through the bot's own use cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from core.city import route_pitch
from core.event_fields import EventDraft
from core.pitch_notices import Courier, deliver_pitch
from core.pitch_rules import format_reference
from core.services import event_publishing, pitch_review, staff, subscriptions, users
from core.services.event_publishing import Renderer
from core.services.roles import roles_of
from playground.personas import ADMIN_ID, COORDINATOR_ID, GROUP_ID, GROUP_INCUBATOR, RESIDENTS
from storage import coordination
from storage import events as event_data
from storage.models import EVENT_KINDS, Pitch, utcnow
from storage.pitches import add_pitch, next_reference_number
from storage.subscriptions import SubscriptionChoice

if TYPE_CHECKING:
    from playground.runtime import Playground


async def put_staff_in_place(playground: Playground) -> None:
    """The coordinator serves every incubator and the group serves Söder's, as an admin
    would set them up with /addcoordinator and /bindchat (once; a restart keeps them)."""
    now = utcnow()
    async with playground.sessionmaker() as session:
        for user_id, locale in ((ADMIN_ID, "en"), (COORDINATOR_ID, "sv")):
            await users.ensure_user(
                session, telegram_id=user_id, language_code=locale, default_locale="sv", now=now
            )
        admin = await roles_of(session, ADMIN_ID, playground.settings.admin_ids)
        serving = set(await coordination.incubators_of_coordinator(session, COORDINATOR_ID))
        for incubator in playground.city.incubators:
            if incubator.code not in serving:
                await staff.add_coordinator(
                    session,
                    actor=admin,
                    incubator_code=incubator.code,
                    user_id=COORDINATOR_ID,
                    city=playground.city,
                    now=now,
                )
        if await coordination.incubator_of_chat(session, GROUP_ID) is None:
            await staff.bind_chat(
                session,
                actor=admin,
                incubator_code=GROUP_INCUBATOR,
                chat_id=GROUP_ID,
                city=playground.city,
                now=now,
            )


async def fill(playground: Playground) -> None:
    """Demo content for a fresh database; a database that has events is left as it is."""
    now = utcnow()
    async with playground.sessionmaker() as session:
        if await event_data.count_upcoming_events(session, now=now):
            return
        for user_id, _name, locale in RESIDENTS:
            await users.ensure_user(
                session, telegram_id=user_id, language_code=locale, default_locale="sv", now=now
            )
        for user_id, _name, locale in RESIDENTS:
            if locale in ("sv", "es"):
                await subscriptions.save_subscription(
                    session,
                    user_id=user_id,
                    choice=SubscriptionChoice(kinds=frozenset(EVENT_KINDS)),
                    city=playground.city,
                    now=now,
                )
    await _publish_events(playground, now)
    await _add_pitches(playground, now)


@dataclass(frozen=True)
class _DemoEvent:
    kind: str
    titles: dict[str, str]
    place: str
    area_code: str | None
    days_ahead: int
    hour: int
    capacity: int | None = None


_EVENTS = (
    _DemoEvent(
        "lunch_learn",
        {"sv": "Lärande Lunch: odla i staden", "en": "Lunch & Learn: growing in the city"},
        "Nydala bibliotek",
        "soder",
        3,
        12,
        capacity=25,
    ),
    _DemoEvent(
        "malmo_hour",
        {"sv": "Malmötimmen: idéer för sommaren", "es": "Malmötimmen: ideas para el verano"},
        "Stadshuset, August Palms plats 1",
        None,
        6,
        17,
    ),
    _DemoEvent(
        "dialogue_forum",
        {"sv": "Dialogforum Möllevången", "ar": "منتدى الحوار في مولڤونغن"},
        "Folkets park, Möllevången",
        "innerstaden",
        9,
        18,
        capacity=40,
    ),
)


async def _publish_events(playground: Playground, now: datetime) -> None:
    settings = playground.settings
    renderer = Renderer(
        i18n=playground.dispatcher["i18n"],
        city=playground.city,
        tz=settings.tz,
        default_locale=settings.default_locale,
        announcement_chat_id=settings.announcement_chat_id,
    )
    for demo in _EVENTS:
        day = (now.astimezone(settings.tz) + timedelta(days=demo.days_ahead)).date()
        starts = datetime(day.year, day.month, day.day, demo.hour, tzinfo=settings.tz)
        draft = EventDraft(
            kind=demo.kind,
            titles=demo.titles,
            default_locale="sv",
            starts_at=starts.astimezone(UTC),
            ends_at=(starts + timedelta(hours=1, minutes=30)).astimezone(UTC),
            place=demo.place,
            area_code=demo.area_code,
            capacity=demo.capacity,
        )
        async with playground.sessionmaker() as session:
            admin = await roles_of(session, ADMIN_ID, settings.admin_ids)
            await event_publishing.create_event(
                session,
                actor=admin,
                draft=draft,
                publish_at=None,
                now=now,
                renderer=renderer,
                event_jobs=playground.dispatcher["event_jobs"],
            )


@dataclass(frozen=True)
class _DemoPitch:
    resident: int
    status: str
    title: str
    need: str
    area_code: str
    neighbourhood_code: str
    theme_code: str
    submitter_name: str


_PITCHES = (
    _DemoPitch(
        RESIDENTS[0][0],
        "received",
        "Läxhjälp i Nydala",
        "Barnen behöver en lugn plats att göra läxor efter skolan.",
        "soder",
        "nydala",
        "youth",
        "Karin",
    ),
    _DemoPitch(
        RESIDENTS[3][0],
        "received",
        "مطبخ مشترك للجيران",
        "نريد مكانًا نطبخ فيه معًا ونتعرف على بعضنا.",
        "soder",
        "nydala",
        "inclusion",
        "أمل",
    ),
    _DemoPitch(
        RESIDENTS[2][0],
        "in_review",
        "Huerto comunitario en el patio",
        "El patio está vacío y los vecinos quieren cultivar juntos.",
        "soder",
        "nydala",
        "environment",
        "Lucía",
    ),
    _DemoPitch(
        RESIDENTS[1][0],
        "accepted",
        "Bike repair café",
        "Kids have broken bikes and nowhere to fix them.",
        "innerstaden",
        "mollevangen",
        "environment",
        "James",
    ),
)


# What coordinators did with each demo pitch, through the card's own use case.
_DECISIONS = {"received": (), "in_review": ("take",), "accepted": ("take", "accept")}


async def _add_pitches(playground: Playground, now: datetime) -> None:
    """Pitches as residents' journeys leave them, brought to their incubators' chats; then
    Sara takes or accepts some, so cards, history and residents' notices agree."""
    courier = Courier(
        playground.bot, playground.dispatcher["i18n"], playground.settings, playground.city
    )
    for demo in _PITCHES:
        incubator = route_pitch(
            playground.city,
            area_code=demo.area_code,
            neighbourhood_code=demo.neighbourhood_code,
            theme_code=demo.theme_code,
        ).code
        async with playground.sessionmaker() as session:
            number = await next_reference_number(session, now.year)
            pitch = await add_pitch(
                session,
                Pitch(
                    reference=format_reference(now.year, number),
                    user_id=demo.resident,
                    language=next(lang for uid, _n, lang in RESIDENTS if uid == demo.resident),
                    title=demo.title,
                    need=demo.need,
                    area_code=demo.area_code,
                    neighbourhood_code=demo.neighbourhood_code,
                    theme_code=demo.theme_code,
                    submitter_kind="resident",
                    submitter_name=demo.submitter_name,
                    incubator_code=incubator,
                    consent_at=now,
                    submitted_at=now,
                    updated_at=now,
                ),
            )
            await session.commit()
            await deliver_pitch(
                playground.bot,
                session,
                pitch=pitch,
                city=playground.city,
                i18n=playground.dispatcher["i18n"],
                settings=playground.settings,
            )
            sara = await roles_of(session, COORDINATOR_ID, playground.settings.admin_ids)
            status = pitch.status
            for action in _DECISIONS[demo.status]:
                outcome = await pitch_review.decide(
                    session,
                    courier,
                    pitch_id=pitch.id,  # type: ignore[arg-type]
                    action=action,
                    seen_status=status,
                    actor=sara,
                    actor_name="Sara",
                    now=utcnow(),
                )
                status = outcome.pitch.status if outcome.pitch else status

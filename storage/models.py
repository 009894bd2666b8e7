"""SQLModel tables. Times are stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, Column, DateTime, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _utc_column(**kwargs: object) -> Column:
    return Column(DateTime(timezone=True), **kwargs)  # type: ignore[arg-type]


class User(SQLModel, table=True):
    """A Telegram user who has talked to the bot; only what the features need."""

    __tablename__ = "users"

    telegram_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    locale: str = Field(max_length=8)
    start_payload: str | None = Field(default=None, max_length=64)
    first_seen_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    last_seen_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    # Set when Telegram says the user blocked the bot (403); cleared when they write again.
    blocked_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class FsmRecord(SQLModel, table=True):
    """One conversation's aiogram FSM state and data, so a restart loses nothing."""

    __tablename__ = "fsm_records"

    key: str = Field(primary_key=True, max_length=255)
    state: str | None = Field(default=None, max_length=255)
    data: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


# Reference data of the city (areas, neighbourhoods, themes, support, incubators), loaded
# from the city's data file. Names are {locale: name}; rows removed from the file are
# kept inactive so old pitches still point at them.


class CityDataVersion(SQLModel, table=True):
    """Which version (checksum) of a city's data file the reference tables hold."""

    __tablename__ = "city_data_versions"

    city_code: str = Field(primary_key=True, max_length=24)
    checksum: str = Field(max_length=64)
    loaded_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class AreaRecord(SQLModel, table=True):
    __tablename__ = "areas"

    code: str = Field(primary_key=True, max_length=24)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    position: int = 0
    active: bool = True


class NeighbourhoodRecord(SQLModel, table=True):
    __tablename__ = "neighbourhoods"

    code: str = Field(primary_key=True, max_length=24)
    area_code: str = Field(foreign_key="areas.code", max_length=24)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    latitude: float
    longitude: float
    position: int = 0
    active: bool = True


class ThemeRecord(SQLModel, table=True):
    __tablename__ = "themes"

    code: str = Field(primary_key=True, max_length=24)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    emoji: str = Field(default="", max_length=16)
    position: int = 0
    active: bool = True


class SupportOptionRecord(SQLModel, table=True):
    __tablename__ = "support_options"

    code: str = Field(primary_key=True, max_length=24)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    position: int = 0
    active: bool = True


class IncubatorRecord(SQLModel, table=True):
    __tablename__ = "incubators"

    code: str = Field(primary_key=True, max_length=24)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    area_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    theme_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    is_fallback: bool = False
    position: int = 0
    active: bool = True


class PitchDraft(SQLModel, table=True):
    """A resident's unfinished pitch, saved at every step; one per resident."""

    __tablename__ = "pitch_drafts"

    user_id: int = Field(
        sa_column=Column(
            BigInteger,
            ForeignKey("users.telegram_id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        )
    )
    step: str = Field(default="title", max_length=24)
    editing: bool = False
    language: str = Field(max_length=8)
    title: str | None = Field(default=None, sa_column=Column(Text))
    need: str | None = Field(default=None, sa_column=Column(Text))
    idea_text: str | None = Field(default=None, sa_column=Column(Text))
    media: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    area_code: str | None = Field(default=None, max_length=24)
    neighbourhood_code: str | None = Field(default=None, max_length=24)
    whole_city: bool = False
    theme_code: str | None = Field(default=None, max_length=24)
    support_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    submitter_kind: str | None = Field(default=None, max_length=24)
    submitter_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, max_length=32)
    contact_email: str | None = Field(default=None, max_length=254)
    consent: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class Pitch(SQLModel, table=True):
    """A submitted, frozen pitch, routed to an incubator."""

    __tablename__ = "pitches"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=20, unique=True, index=True)
    user_id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger, ForeignKey("users.telegram_id", ondelete="SET NULL"), index=True
        ),
    )
    status: str = Field(default="received", max_length=16, index=True)
    language: str = Field(max_length=8)
    title: str = Field(sa_column=Column(Text, nullable=False))
    need: str = Field(sa_column=Column(Text, nullable=False))
    idea_text: str | None = Field(default=None, sa_column=Column(Text))
    media: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    area_code: str | None = Field(default=None, foreign_key="areas.code", max_length=24)
    neighbourhood_code: str | None = Field(
        default=None, foreign_key="neighbourhoods.code", max_length=24
    )
    theme_code: str | None = Field(default=None, foreign_key="themes.code", max_length=24)
    support_codes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    submitter_kind: str | None = Field(default=None, max_length=24)
    submitter_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, max_length=32)
    contact_email: str | None = Field(default=None, max_length=254)
    incubator_code: str = Field(foreign_key="incubators.code", max_length=24, index=True)
    assignee_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    assignee_name: str | None = Field(default=None, max_length=64)
    last_flagged_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    consent_at: datetime = Field(sa_column=_utc_column(nullable=False))
    submitted_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class ReferenceCounter(SQLModel, table=True):
    """The last pitch number used in a year, for references like MT-2026-0042."""

    __tablename__ = "reference_counters"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_number: int = 0


# Coordination: who may do what, where pitches are shown, and what happened to them.


def _big_id(**kwargs: object) -> Column:
    return Column(BigInteger, **kwargs)  # type: ignore[arg-type]


class PromotedAdmin(SQLModel, table=True):
    """An admin promoted in chat; the ADMIN_IDS of the configuration are admins too."""

    __tablename__ = "admins"

    user_id: int = Field(sa_column=_big_id(primary_key=True, autoincrement=False))
    granted_by: int | None = Field(default=None, sa_column=_big_id())
    granted_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class Coordinator(SQLModel, table=True):
    """A user who coordinates an incubator (one row per incubator)."""

    __tablename__ = "coordinators"

    incubator_code: str = Field(foreign_key="incubators.code", primary_key=True, max_length=24)
    user_id: int = Field(sa_column=_big_id(primary_key=True, autoincrement=False))
    added_by: int | None = Field(default=None, sa_column=_big_id())
    added_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class IncubatorChat(SQLModel, table=True):
    """The group chat bound to an incubator: its new pitches are brought there."""

    __tablename__ = "incubator_chats"

    incubator_code: str = Field(foreign_key="incubators.code", primary_key=True, max_length=24)
    chat_id: int = Field(sa_column=_big_id(nullable=False, unique=True))
    bound_by: int | None = Field(default=None, sa_column=_big_id())
    bound_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class GroupChat(SQLModel, table=True):
    """A group's chosen language (notices to a group use it)."""

    __tablename__ = "group_chats"

    chat_id: int = Field(sa_column=_big_id(primary_key=True, autoincrement=False))
    locale: str = Field(max_length=8)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class PitchEvent(SQLModel, table=True):
    """One entry of a pitch's history: a status change, a move, a message either way."""

    __tablename__ = "pitch_events"

    id: int | None = Field(default=None, primary_key=True)
    pitch_id: int = Field(foreign_key="pitches.id", index=True)
    kind: str = Field(max_length=24)
    actor_id: int | None = Field(default=None, sa_column=_big_id())
    actor_name: str | None = Field(default=None, max_length=64)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    detail: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class AuditEntry(SQLModel, table=True):
    """Who did what to roles, bindings and pitches, and refused attempts."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, sa_column=_big_id(index=True))
    action: str = Field(max_length=32)
    subject: str = Field(default="", max_length=64)
    details: dict[str, object] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class PitchMessage(SQLModel, table=True):
    """A message the bot sent about a pitch, so a reply to it finds the pitch.

    `purpose`: 'card' (the card's status line and buttons), 'relay' (a message relayed
    either way), 'ask' (a coordinator is asked to write a question), 'reason' (to write a
    reason for not taking a pitch forward).
    """

    __tablename__ = "pitch_messages"

    chat_id: int = Field(sa_column=_big_id(primary_key=True, autoincrement=False))
    message_id: int = Field(sa_column=_big_id(primary_key=True, autoincrement=False))
    pitch_id: int = Field(foreign_key="pitches.id", index=True)
    purpose: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


# Events: the programme's meetings, who subscribes to them and who is coming.

EVENT_KINDS = ("lunch_learn", "malmo_hour", "dialogue_forum", "training", "lecture", "meetup")
EVENT_STATUSES = ("scheduled", "published", "cancelled")
RSVP_STATUSES = ("going", "waiting", "not_going")


class Event(SQLModel, table=True):
    """A meeting of the programme. Titles and descriptions are {locale: text}; readers get
    their own language where given, else `default_locale`'s. Times are UTC.

    `status`: 'scheduled' (to be published at `publish_at`), 'published', 'cancelled'.
    `area_code` None means city-wide. `version` grows with every edit, so buttons and
    jobs made for an older version can tell.
    """

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24, index=True)
    titles: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    descriptions: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    default_locale: str = Field(max_length=8)
    starts_at: datetime = Field(sa_column=_utc_column(nullable=False, index=True))
    ends_at: datetime = Field(sa_column=_utc_column(nullable=False))
    place: str = Field(max_length=300)
    area_code: str | None = Field(default=None, foreign_key="areas.code", max_length=24)
    capacity: int | None = Field(default=None)
    signup_url: str | None = Field(default=None, max_length=500)
    status: str = Field(default="scheduled", max_length=16, index=True)
    publish_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    published_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    cancelled_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    version: int = Field(default=1)
    created_by: int | None = Field(default=None, sa_column=_big_id())
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


class Rsvp(SQLModel, table=True):
    """A person's answer to an event: 'going', 'waiting' (the event was full) or
    'not_going'. The waiting list is ordered by `waiting_number`: the next number of the
    event, given when one joins the list (under the event's lock), so the line keeps the
    order in which the answers were taken, whatever the clocks said."""

    __tablename__ = "event_rsvps"

    event_id: int = Field(foreign_key="events.id", primary_key=True)
    user_id: int = Field(sa_column=_big_id(primary_key=True, autoincrement=False))
    status: str = Field(max_length=16)
    waiting_number: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=_utc_column(nullable=False, index=True)
    )


class Subscription(SQLModel, table=True):
    """A resident's subscription: the kinds and areas are rows of the two tables below.
    No area rows means every area; city-wide events reach every subscriber of the kind."""

    __tablename__ = "subscriptions"

    user_id: int = Field(sa_column=_big_id(primary_key=True, autoincrement=False))
    reminders: bool = Field(default=True)
    digest: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


def _subscriber_column() -> Column:
    """The owning subscription; its kinds and areas go when it goes."""
    return Column(
        BigInteger,
        ForeignKey("subscriptions.user_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    )


class SubscriptionKind(SQLModel, table=True):
    __tablename__ = "subscription_kinds"

    user_id: int = Field(sa_column=_subscriber_column())
    kind: str = Field(primary_key=True, max_length=24)


class SubscriptionArea(SQLModel, table=True):
    __tablename__ = "subscription_areas"

    user_id: int = Field(sa_column=_subscriber_column())
    area_code: str = Field(primary_key=True, max_length=24)


# The outbox: every mass or scheduled message is one row, drained by one sender within
# Telegram's limits. A restart resumes it; nothing recorded as sent is sent again.

OUTBOX_STATUSES = ("queued", "sent", "blocked", "failed")


class Campaign(SQLModel, table=True):
    """One mass send (an announcement, reminders, a digest, a broadcast, a cancellation).
    Its progress is shown in `report_chat_id`/`report_message_id`, edited in place."""

    __tablename__ = "campaigns"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)
    event_id: int | None = Field(default=None, foreign_key="events.id", index=True)
    created_by: int | None = Field(default=None, sa_column=_big_id())
    report_chat_id: int | None = Field(default=None, sa_column=_big_id())
    report_message_id: int | None = Field(default=None, sa_column=_big_id())
    report_locale: str | None = Field(default=None, max_length=8)
    total: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class OutboxMessage(SQLModel, table=True):
    """A message waiting to be sent, or its outcome.

    `payload` is the Bot API method and its parameters, rendered in the recipient's language
    when queued, e.g. {"method": "sendMessage", "text": ..., "parse_mode": "HTML",
    "reply_markup": {...}}. `dedupe_key` (unique) stops a job that runs twice from queueing
    the same message twice.
    """

    __tablename__ = "outbox"

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    # BIGINT on PostgreSQL; SQLite only auto-increments an INTEGER primary key.
    id: int | None = Field(
        default=None,
        sa_column=Column(
            BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
        ),
    )
    campaign_id: int | None = Field(default=None, foreign_key="campaigns.id", index=True)
    chat_id: int = Field(sa_column=_big_id(nullable=False, index=True))
    payload: dict[str, object] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    dedupe_key: str | None = Field(default=None, max_length=128, unique=True)
    status: str = Field(default="queued", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(
        default_factory=utcnow, sa_column=_utc_column(nullable=False)
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    telegram_message_id: int | None = Field(default=None, sa_column=_big_id())
    last_error: str | None = Field(default=None, max_length=200)


class DeliveryAttempt(SQLModel, table=True):
    """Every attempt to send an outbox message, and how it went.

    `outcome`: 'sent', 'retry_after' (429), 'server_error' (5xx), 'timeout', 'network',
    'blocked' (403), 'bad_request' (400, not retried).
    """

    __tablename__ = "delivery_attempts"

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("outbox.id"), nullable=False, index=True)
    )
    outcome: str = Field(max_length=16)
    detail: str | None = Field(default=None, max_length=200)
    retry_after: float | None = Field(default=None)
    at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))

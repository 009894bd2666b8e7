"""Events, answers (RSVP) and subscriptions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, ForeignKey
from sqlmodel import Field, SQLModel

from storage.models.columns import big_id_column as _big_id
from storage.models.columns import utc_column as _utc_column
from storage.models.columns import utcnow

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
    # Set by the one-tap 🔕: nothing is sent while paused, and the choices above are kept
    # for "Subscribe again". Saving a subscription clears it.
    paused_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
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

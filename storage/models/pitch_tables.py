"""Pitches: drafts, submitted pitches, references, their history and the messages about them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Text
from sqlmodel import Field, SQLModel

from storage.models.columns import big_id_column as _big_id
from storage.models.columns import utc_column as _utc_column
from storage.models.columns import utcnow


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
    # Set when the resident's personal data was removed from the pitch (they withdrew their
    # consent or asked to be forgotten): it has left the inbox and can no longer be acted on.
    erased_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    consent_at: datetime = Field(sa_column=_utc_column(nullable=False))
    submitted_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))
    # When it was accepted or declined (the retention period of a closed pitch counts from it).
    closed_at: datetime | None = Field(
        default=None, sa_column=_utc_column(nullable=True, index=True)
    )
    # When its personal fields and relayed texts were removed; it keeps no link to a person.
    anonymised_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class ReferenceCounter(SQLModel, table=True):
    """The last pitch number used in a year, for references like MT-2026-0042."""

    __tablename__ = "reference_counters"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_number: int = 0


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


class PitchMessage(SQLModel, table=True):
    """A message the bot sent about a pitch, so a reply to it finds the pitch.

    `purpose`: 'card' (the card's status line and buttons), 'body' (the first message of
    the card's body: the pitch's facts, with its contact), 'relay' (the rest of the body,
    its attachments, a message relayed either way), 'ask' (a coordinator is asked to write
    a question), 'reason' (to write a reason for not taking a pitch forward).
    """

    __tablename__ = "pitch_messages"

    chat_id: int = Field(sa_column=_big_id(primary_key=True, autoincrement=False))
    message_id: int = Field(sa_column=_big_id(primary_key=True, autoincrement=False))
    pitch_id: int = Field(foreign_key="pitches.id", index=True)
    purpose: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))


# Events: the programme's meetings, who subscribes to them and who is coming.


CONSENT_KINDS = ("pitch", "contact")


class ConsentRecord(SQLModel, table=True):
    """A consent a resident gave, with the privacy notice's version they saw, and when it was
    withdrawn. `pitch`: to store the pitch and share it with its incubator's coordinators;
    `contact`: to be contacted by the phone or e-mail given in it. Kept while the pitch is;
    `user_id` is cut when the resident is forgotten."""

    __tablename__ = "consent_records"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, sa_column=_big_id(index=True))
    pitch_id: int = Field(foreign_key="pitches.id", index=True)
    kind: str = Field(max_length=16)
    notice_version: str = Field(max_length=32)
    given_at: datetime = Field(sa_column=_utc_column(nullable=False))
    withdrawn_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))

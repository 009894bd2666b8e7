"""The conversations of the staff's event journeys, and what they keep between messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram.fsm.state import State, StatesGroup

from core.services.event_publishing import Audience


class NewEvent(StatesGroup):
    kind = State()
    title = State()
    description = State()
    languages = State()
    extra_title = State()
    extra_description = State()
    start = State()
    end = State()
    place = State()
    area = State()
    capacity = State()
    signup = State()
    preview = State()
    publish_at = State()


class EditEvent(StatesGroup):
    field = State()
    value = State()


class Broadcast(StatesGroup):
    text = State()
    audience = State()
    confirm = State()


def step_of(raw_state: str | None) -> str | None:
    """'NewEvent:title' -> 'title'."""
    return raw_state.split(":", 1)[1] if raw_state and ":" in raw_state else None


@dataclass(frozen=True)
class EditTarget:
    """What /editevent keeps: the event, the version it showed, the field being changed and
    the language a new title or description is written in."""

    event_id: int
    version: int
    lang: str
    field: str | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> EditTarget | None:
        event_id, version, lang = data.get("event_id"), data.get("version"), data.get("lang")
        if not (isinstance(event_id, int) and isinstance(version, int) and isinstance(lang, str)):
            return None
        field = data.get("field")
        return cls(event_id, version, lang, field if isinstance(field, str) else None)

    def to_data(self) -> dict[str, Any]:
        data = {"event_id": self.event_id, "version": self.version, "lang": self.lang}
        return data if self.field is None else {**data, "field": self.field}


@dataclass(frozen=True)
class Announcement:
    """What /broadcast keeps: the text as written, and the audience once chosen."""

    text: str
    audience: Audience | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Announcement | None:
        text, audience = data.get("text"), data.get("audience")
        if not isinstance(text, str):
            return None
        return cls(text, Audience.parse(audience) if isinstance(audience, str) else None)

"""The /newevent wizard as rules: its steps, where Back and Skip lead, and the draft the
answers build (kept in the conversation's state as plain JSON, so a restart loses nothing).

Typed answers are read by core.event_fields, the same readers /editevent uses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from core import event_fields
from core.config import SUPPORTED_LOCALES
from core.event_fields import EventDraft, SoFar
from storage.models import EVENT_KINDS, Event

STEPS = (
    "kind",
    "title",
    "description",
    "languages",
    "start",
    "end",
    "place",
    "area",
    "capacity",
    "signup",
    "preview",
)
# Every state of the wizard: the steps above, a title and description in another language,
# and the publish time.
ALL_STEPS = (*STEPS, "extra_title", "extra_description", "publish_at")
OPTIONAL_STEPS = frozenset({"description", "extra_description", "capacity", "signup"})
BUTTON_STEPS = frozenset({"kind", "languages", "area", "preview"})
PREVIOUS = {
    **{step: STEPS[index - 1] for index, step in enumerate(STEPS) if index},
    "extra_title": "languages",
    "extra_description": "extra_title",
    "publish_at": "preview",
}
# The event field each typed step fills.
FIELD_OF_STEP = {
    "title": "title",
    "extra_title": "title",
    "description": "description",
    "extra_description": "description",
    "start": "start",
    "end": "end",
    "place": "place",
    "capacity": "capacity",
    "signup": "signup",
}
CITY_WIDE = "city"
# Where the wizard goes back to when the whole draft is refused when stored (see
# event_fields.draft_problem); a refusal of the right goes back to the area.
STEP_OF_PROBLEM = {
    "past": "start",
    "end_before_start": "end",
    "after_start": "publish_at",
    "title_empty": "title",
    "place_empty": "place",
    "capacity": "capacity",
    "url": "signup",
}


def next_step(step: str) -> str:
    """The step that follows `step` once it is answered."""
    if step == "extra_title":
        return "extra_description"
    if step == "extra_description":
        return "languages"
    return STEPS[STEPS.index(step) + 1]


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        return None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True)
class WizardDraft:
    """The answers so far. `area_code` None with `area_chosen` means city-wide."""

    lang: str
    kind: str | None = None
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    extra_lang: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    place: str | None = None
    area_chosen: bool = False
    area_code: str | None = None
    capacity: int | None = None
    signup_url: str | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any], *, default_locale: str) -> WizardDraft:
        """From the conversation's state (the keys the wizard has always used)."""
        area = data.get("area")
        return cls(
            lang=data.get("lang") or default_locale,
            kind=data.get("kind"),
            titles=dict(data.get("titles") or {}),
            descriptions=dict(data.get("descriptions") or {}),
            extra_lang=data.get("extra_lang"),
            starts_at=_moment(data.get("starts_at")),
            ends_at=_moment(data.get("ends_at")),
            place=data.get("place"),
            area_chosen=isinstance(area, str),
            area_code=area or None,
            capacity=data.get("capacity"),
            signup_url=data.get("signup_url"),
        )

    def to_data(self) -> dict[str, Any]:
        values = asdict(self)
        values.pop("area_chosen")
        values.pop("area_code")
        if self.area_chosen:
            values["area"] = self.area_code or ""
        values["starts_at"] = _iso(self.starts_at)
        values["ends_at"] = _iso(self.ends_at)
        return {key: value for key, value in values.items() if value is not None}

    def locale_of(self, step: str) -> str:
        """The language a title or description step is written in."""
        if step.startswith("extra_") and self.extra_lang:
            return self.extra_lang
        return self.lang

    def _so_far(self) -> SoFar:
        return SoFar(
            titles=self.titles,
            descriptions=self.descriptions,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
        )

    def answer(self, step: str, text: str | None, *, now: datetime, tz: ZoneInfo) -> WizardDraft:
        """The draft with a typed answer to `step`; raises event_fields.FieldProblem."""
        changes = event_fields.read_answer(
            FIELD_OF_STEP[step],
            text,
            locale=self.locale_of(step),
            so_far=self._so_far(),
            now=now,
            tz=tz,
        )
        return replace(self, **changes)

    def skip(self, step: str) -> WizardDraft:
        changes = event_fields.skipped(
            FIELD_OF_STEP[step], locale=self.locale_of(step), so_far=self._so_far()
        )
        return replace(self, **changes)

    def with_kind(self, kind: str) -> WizardDraft | None:
        return replace(self, kind=kind) if kind in EVENT_KINDS else None

    def with_extra_language(self, code: str) -> WizardDraft | None:
        """Another language to write the title and description in (one not written yet)."""
        if code not in SUPPORTED_LOCALES or code in self.titles:
            return None
        return replace(self, extra_lang=code)

    def with_area(self, area_code: str | None) -> WizardDraft:
        return replace(self, area_chosen=True, area_code=area_code)

    def missing_step(self) -> str | None:
        """The first step still without an answer (None when the draft is complete)."""
        needed = {
            "kind": self.kind,
            "title": self.titles.get(self.lang),
            "start": self.starts_at,
            "end": self.ends_at,
            "place": self.place,
            "area": self.area_chosen or None,
        }
        return next((step for step in STEPS if step in needed and not needed[step]), None)

    def step_to_ask(self, step: str) -> str:
        """`step`, unless an earlier step it builds on has no answer (a conversation kept
        from an older version of the wizard, say): then that one."""
        missing = self.missing_step()
        if missing is None or step not in (*STEPS, "publish_at"):
            return step
        if step == "publish_at" or STEPS.index(missing) < STEPS.index(step):
            return missing
        return step

    def read_publish_at(self, text: str | None, *, now: datetime, tz: ZoneInfo) -> datetime:
        """When to publish, as typed; raises event_fields.FieldProblem."""
        changes = event_fields.read_answer(
            "publish", text, locale=self.lang, so_far=self._so_far(), now=now, tz=tz
        )
        return changes["publish_at"]

    def event_draft(self) -> EventDraft:
        """The complete draft for the use case (call when `missing_step()` is None)."""
        if self.missing_step() is not None:
            raise ValueError("the draft is not complete")
        assert self.kind and self.starts_at and self.ends_at and self.place is not None
        return EventDraft(
            kind=self.kind,
            titles=dict(self.titles),
            descriptions=dict(self.descriptions),
            default_locale=self.lang,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            place=self.place,
            area_code=self.area_code,
            capacity=self.capacity,
            signup_url=self.signup_url,
        )


def preview_event(draft: EventDraft) -> Event:
    """The draft as an (unsaved) event, to show how residents will see it."""
    return Event(
        id=0,
        kind=draft.kind,
        titles=draft.titles,
        descriptions=draft.descriptions,
        default_locale=draft.default_locale,
        starts_at=draft.starts_at,
        ends_at=draft.ends_at,
        place=draft.place,
        area_code=draft.area_code,
        capacity=draft.capacity,
        signup_url=draft.signup_url,
        status="scheduled",
    )

"""Filters of the staff's event journeys: the button belongs to the step the conversation is
at, and the draft or the event being changed, handed to the handler."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject

from core.callbacks import EventAdminCB
from core.config import Settings
from core.event_wizard import WizardDraft
from handlers.event_admin.states import Announcement, EditTarget, step_of


class AtStep(Filter):
    """A button shown at the step of `group` the conversation is at now; hands over the
    message it is on as `shown`. Other presses fall through to the stale-button answer."""

    def __init__(self, group: type[StatesGroup]) -> None:
        self.prefix = f"{group.__name__}:"

    async def __call__(
        self, callback: CallbackQuery, callback_data: EventAdminCB, raw_state: str | None
    ) -> bool | dict[str, Any]:
        if not isinstance(callback.message, Message) or raw_state is None:
            return False
        if not raw_state.startswith(self.prefix) or step_of(raw_state) != callback_data.step:
            return False
        return {"shown": callback.message}


class Shown(Filter):
    """A press on a message the bot can still answer under; hands it over as `shown`."""

    async def __call__(self, callback: CallbackQuery) -> bool | dict[str, Any]:
        if not isinstance(callback.message, Message):
            return False
        return {"shown": callback.message}


class Draft(Filter):
    """The /newevent draft so far, as `draft`."""

    async def __call__(
        self, event: TelegramObject, state: FSMContext, settings: Settings
    ) -> dict[str, Any]:
        data = await state.get_data()
        return {"draft": WizardDraft.from_data(data, default_locale=settings.default_locale)}


class Target(Filter):
    """The event /editevent works on, as `target`; with `field`, only while that field (or
    one of those fields) is being changed."""

    def __init__(self, *fields: str) -> None:
        self.fields = frozenset(fields)

    async def __call__(self, event: TelegramObject, state: FSMContext) -> bool | dict[str, Any]:
        target = EditTarget.from_data(await state.get_data())
        if target is None or (self.fields and target.field not in self.fields):
            return False
        return {"target": target}


class Written(Filter):
    """The announcement written so far, as `announcement`; with `audience=True`, only once
    its audience is chosen."""

    def __init__(self, *, audience: bool = False) -> None:
        self.audience = audience

    async def __call__(self, event: TelegramObject, state: FSMContext) -> bool | dict[str, Any]:
        announcement = Announcement.from_data(await state.get_data())
        if announcement is None or (self.audience and announcement.audience is None):
            return False
        return {"announcement": announcement}

"""Filters that load the resident's draft and hand it to the pitch journey's handlers."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from core import pitch_rules as rules
from core.callbacks import PitchCB
from core.services import pitching
from storage.models import User


class DraftButton(Filter):
    """A pitch button that belongs to the draft as it is now: the draft is at the button's
    step, and that step offers the button. Gives the handler `draft` and `message` (the
    message the button is on); any other press falls through to the stale answer."""

    async def __call__(
        self, callback: CallbackQuery, callback_data: PitchCB, session: AsyncSession, user: User
    ) -> bool | dict[str, Any]:
        if not isinstance(callback.message, Message):
            return False
        draft = await pitching.current_draft(session, user.telegram_id)
        if draft is None or draft.step != callback_data.step:
            return False
        if not rules.button_fits(draft.step, callback_data.action):
            return False
        return {"draft": draft, "message": callback.message}


class HasDraft(Filter):
    """A message in the journey while the resident's draft still exists; gives `draft`.
    Without one (deleted after 30 days), the message falls through to `on_draft_gone`."""

    async def __call__(
        self, message: Message, session: AsyncSession, user: User
    ) -> bool | dict[str, Any]:
        draft = await pitching.current_draft(session, user.telegram_id)
        return False if draft is None else {"draft": draft}

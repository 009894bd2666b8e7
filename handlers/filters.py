"""Filters that check on the server who is asking."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.services.roles import roles_of


class Staff(Filter):
    """Admins and coordinators (only admins with `admin=True`); gives handlers `roles`."""

    def __init__(self, *, admin: bool = False) -> None:
        self.admin = admin

    async def __call__(
        self, event: Message | CallbackQuery, session: AsyncSession, settings: Settings
    ) -> bool | dict[str, Any]:
        if event.from_user is None or event.from_user.is_bot:
            return False
        roles = await roles_of(session, event.from_user.id, settings.admin_ids)
        if not roles.is_staff or (self.admin and not roles.is_admin):
            return False
        return {"roles": roles}

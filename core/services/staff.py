"""Staff use cases: admins, coordinators, and the groups that serve incubators.

Each one checks its rules (core.services.roles) and commits once. Changes to admins and to
bound chats take a lock first and check after it, so two people acting at once cannot both
pass a check that only one of them may pass (two admins removing each other, two
coordinators binding one group).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.city import CityData
from core.config import SUPPORTED_LOCALES
from core.services.roles import (
    Attempt,
    NotAllowed,
    Roles,
    refuse,
    require_admin,
    require_chat,
    require_incubator,
    require_staff,
)
from storage import coordination as data

# --- admins ----------------------------------------------------------------------------------


async def list_admins(
    session: AsyncSession, *, actor: Roles, configured: list[int], now: datetime
) -> list[tuple[int, bool]]:
    """Every admin, and whether the configuration (ADMIN_IDS) names them."""
    attempt = Attempt(actor, "admins", "admins", now)
    admins = await require_admin(session, attempt, configured)
    return [(admin, admin in configured) for admin in admins]


async def promote_admin(
    session: AsyncSession, *, actor: Roles, user_id: int, configured: list[int], now: datetime
) -> None:
    await data.lock_admins(session)
    await require_admin(session, Attempt(actor, "addadmin", f"user:{user_id}", now), configured)
    await data.add_promoted_admin(session, user_id=user_id, granted_by=actor.user_id, now=now)
    await data.add_audit(
        session, actor_id=actor.user_id, action="admin_added", subject=str(user_id), now=now
    )
    await session.commit()


async def demote_admin(
    session: AsyncSession, *, actor: Roles, user_id: int, configured: list[int], now: datetime
) -> None:
    """Configured admins stay (they are the operator's choice); the last admin stays too."""
    attempt = Attempt(actor, "removeadmin", f"user:{user_id}", now)
    await data.lock_admins(session)
    admins = await require_admin(session, attempt, configured)
    if user_id in configured:
        await refuse(session, attempt, "configured_admin")
    if user_id not in admins:
        await session.commit()  # nothing to change; this ends the lock
        raise NotAllowed("not_an_admin")
    if len(admins) == 1:
        await refuse(session, attempt, "last_admin")
    await data.remove_promoted_admin(session, user_id)
    await data.add_audit(
        session, actor_id=actor.user_id, action="admin_removed", subject=str(user_id), now=now
    )
    await session.commit()


# --- coordinators ----------------------------------------------------------------------------


async def may_add_coordinator(
    session: AsyncSession, *, actor: Roles, incubator_code: str, city: CityData, now: datetime
) -> None:
    """Checked before asking for the person's contact, and again when adding them."""
    attempt = Attempt(actor, "addcoordinator", f"incubator:{incubator_code}", now)
    await require_incubator(session, attempt, incubator_code, city)


async def coordinators_by_incubator(
    session: AsyncSession,
    *,
    actor: Roles,
    incubator_code: str | None,
    city: CityData,
    now: datetime,
) -> dict[str, list[int]]:
    """The coordinators of every incubator the actor handles, or of the one asked for."""
    if incubator_code is not None:
        attempt = Attempt(actor, "coordinators", f"incubator:{incubator_code}", now)
        await require_incubator(session, attempt, incubator_code, city)
    people: dict[str, list[int]] = {
        incubator.code: []
        for incubator in city.incubators
        if actor.can_handle(incubator.code) and incubator_code in (None, incubator.code)
    }
    for row in await data.coordinators(session, incubator_code):
        if row.incubator_code in people:
            people[row.incubator_code].append(row.user_id)
    return people


async def add_coordinator(
    session: AsyncSession,
    *,
    actor: Roles,
    incubator_code: str,
    user_id: int,
    city: CityData,
    now: datetime,
) -> None:
    """Admins, and the incubator's own coordinators, may add coordinators to it."""
    attempt = Attempt(actor, "addcoordinator", f"incubator:{incubator_code}", now)
    await require_incubator(session, attempt, incubator_code, city)
    await data.add_coordinator(
        session, incubator_code=incubator_code, user_id=user_id, added_by=actor.user_id, now=now
    )
    await data.add_audit(
        session,
        actor_id=actor.user_id,
        action="coordinator_added",
        subject=str(user_id),
        details={"incubator": incubator_code},
        now=now,
    )
    await session.commit()


async def remove_coordinator(
    session: AsyncSession,
    *,
    actor: Roles,
    incubator_code: str,
    user_id: int,
    city: CityData,
    now: datetime,
) -> bool:
    attempt = Attempt(actor, "removecoordinator", f"incubator:{incubator_code}", now)
    await require_incubator(session, attempt, incubator_code, city)
    removed = await data.remove_coordinator(
        session, incubator_code=incubator_code, user_id=user_id
    )
    if removed:
        await data.add_audit(
            session,
            actor_id=actor.user_id,
            action="coordinator_removed",
            subject=str(user_id),
            details={"incubator": incubator_code},
            now=now,
        )
    await session.commit()
    return removed


# --- coordinator chats -----------------------------------------------------------------------


async def bind_chat(
    session: AsyncSession,
    *,
    actor: Roles,
    incubator_code: str,
    chat_id: int,
    city: CityData,
    now: datetime,
) -> None:
    """The group becomes the incubator's chat. A group serving another incubator needs the
    right on that one too, or its pitches would go to a group they don't belong to."""
    attempt = Attempt(actor, "bindchat", f"chat:{chat_id}", now)
    await require_incubator(session, attempt, incubator_code, city)
    await data.lock_bindings(session)
    await require_chat(session, attempt, chat_id, reason="bound_elsewhere")
    await data.bind_chat(
        session, incubator_code=incubator_code, chat_id=chat_id, bound_by=actor.user_id, now=now
    )
    await data.add_audit(
        session,
        actor_id=actor.user_id,
        action="chat_bound",
        subject=str(chat_id),
        details={"incubator": incubator_code},
        now=now,
    )
    await session.commit()


async def unbind_chat(
    session: AsyncSession, *, actor: Roles, chat_id: int, now: datetime
) -> str | None:
    """The group stops serving its incubator (the right on that incubator is needed)."""
    await data.lock_bindings(session)
    code = await require_chat(
        session, Attempt(actor, "unbindchat", f"chat:{chat_id}", now), chat_id
    )
    if code is None:
        await session.commit()  # nothing to change; this ends the lock
        return None
    await data.unbind_chat(session, chat_id)
    await data.add_audit(
        session,
        actor_id=actor.user_id,
        action="chat_unbound",
        subject=str(chat_id),
        details={"incubator": code},
        now=now,
    )
    await session.commit()
    return code


async def group_language(
    session: AsyncSession, *, actor: Roles, chat_id: int, default_locale: str, now: datetime
) -> str:
    """The group's language, for someone who may change it: staff, and in a bound group the
    admins and that incubator's coordinators."""
    attempt = Attempt(actor, "group_language", f"chat:{chat_id}", now)
    await require_staff(session, attempt)
    await require_chat(session, attempt, chat_id)
    return await data.group_locale(session, chat_id) or default_locale


async def set_group_language(
    session: AsyncSession, *, actor: Roles, chat_id: int, locale: str, now: datetime
) -> None:
    if locale not in SUPPORTED_LOCALES:
        raise NotAllowed("unknown_locale")
    attempt = Attempt(actor, "group_language", f"chat:{chat_id}", now)
    await require_staff(session, attempt)
    await data.lock_bindings(session)
    await require_chat(session, attempt, chat_id)
    await data.set_group_locale(session, chat_id=chat_id, locale=locale, now=now)
    await session.commit()

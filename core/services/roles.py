"""Who may do what: admins (configured or promoted) and coordinators of incubators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.city import CityData
from storage import coordination as data


class NotAllowed(Exception):
    """The actor lacks the right; `reason` says which rule refused."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Roles:
    user_id: int
    is_admin: bool
    incubators: frozenset[str]

    @property
    def is_staff(self) -> bool:
        return self.is_admin or bool(self.incubators)

    def can_handle(self, incubator_code: str) -> bool:
        return self.is_admin or incubator_code in self.incubators

    def scope(self) -> list[str] | None:
        """The incubators whose pitches this person sees; None for all (admins)."""
        return None if self.is_admin else sorted(self.incubators)


async def admin_ids(session: AsyncSession, configured: list[int]) -> list[int]:
    promoted = await data.promoted_admin_ids(session)
    return sorted(set(configured) | set(promoted))


async def roles_of(session: AsyncSession, user_id: int, configured_admins: list[int]) -> Roles:
    admins = await admin_ids(session, configured_admins)
    incubators = await data.incubators_of_coordinator(session, user_id)
    return Roles(user_id=user_id, is_admin=user_id in admins, incubators=frozenset(incubators))


async def promote_admin(
    session: AsyncSession, *, actor: Roles, user_id: int, now: datetime
) -> None:
    if not actor.is_admin:
        raise NotAllowed("not_admin")
    await data.add_promoted_admin(session, user_id=user_id, granted_by=actor.user_id, now=now)
    await data.add_audit(
        session, actor_id=actor.user_id, action="admin_added", subject=str(user_id), now=now
    )
    await session.commit()


async def demote_admin(
    session: AsyncSession,
    *,
    actor: Roles,
    user_id: int,
    configured_admins: list[int],
    now: datetime,
) -> None:
    """Configured admins stay (they are the operator's choice); the last admin stays too."""
    if not actor.is_admin:
        raise NotAllowed("not_admin")
    if user_id in configured_admins:
        raise NotAllowed("configured_admin")
    admins = await admin_ids(session, configured_admins)
    if user_id not in admins:
        raise NotAllowed("not_an_admin")
    if len(admins) == 1:
        raise NotAllowed("last_admin")
    await data.remove_promoted_admin(session, user_id)
    await data.add_audit(
        session, actor_id=actor.user_id, action="admin_removed", subject=str(user_id), now=now
    )
    await session.commit()


def _check_incubator(actor: Roles, incubator_code: str, city: CityData) -> None:
    if city.incubator(incubator_code) is None:
        raise NotAllowed("unknown_incubator")
    if not actor.can_handle(incubator_code):
        raise NotAllowed("not_coordinator")


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
    _check_incubator(actor, incubator_code, city)
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
    _check_incubator(actor, incubator_code, city)
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


async def bind_chat(
    session: AsyncSession,
    *,
    actor: Roles,
    incubator_code: str,
    chat_id: int,
    city: CityData,
    now: datetime,
) -> None:
    _check_incubator(actor, incubator_code, city)
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
    code = await data.incubator_of_chat(session, chat_id)
    if code is None:
        return None
    if not actor.can_handle(code):
        raise NotAllowed("not_coordinator")
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


async def record_refusal(
    session: AsyncSession, *, actor_id: int, action: str, subject: str, now: datetime
) -> None:
    """Forged or stale attempts are kept in the audit log."""
    await data.add_audit(
        session,
        actor_id=actor_id,
        action="refused",
        subject=subject[:64],
        details={"attempt": action[:64]},
        now=now,
    )
    await session.commit()


async def staff_with_locales(
    session: AsyncSession, *, configured_admins: list[int], default_locale: str
) -> list[tuple[int, Roles, str]]:
    """Every admin and coordinator with their roles and language (for their menus)."""
    people = set(await admin_ids(session, configured_admins))
    people |= {row.user_id for row in await data.coordinators(session)}
    locales = await data.user_locales(session, sorted(people))
    return [
        (
            person,
            await roles_of(session, person, configured_admins),
            locales.get(person, default_locale),
        )
        for person in sorted(people)
    ]

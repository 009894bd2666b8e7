"""Who may do what: admins (configured or promoted) and coordinators of incubators.

The rules live here, once. Every staff use case checks the actor's right on the object and
on what the object belongs to right now, refuses with NotAllowed (its `reason` names the
rule) and keeps rights refusals in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NoReturn

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

    def limited_to(self, incubator_code: str) -> Roles:
        """The same person, seeing one incubator at most (as in that incubator's group)."""
        codes = {incubator_code} if self.can_handle(incubator_code) else set()
        return Roles(user_id=self.user_id, is_admin=False, incubators=frozenset(codes))


@dataclass(frozen=True)
class Attempt:
    """Who tries what on which object, and when: what the audit log keeps of a refusal."""

    actor: Roles
    action: str
    subject: str
    now: datetime


async def admin_ids(session: AsyncSession, configured: list[int]) -> list[int]:
    promoted = await data.promoted_admin_ids(session)
    return sorted(set(configured) | set(promoted))


async def roles_of(session: AsyncSession, user_id: int, configured_admins: list[int]) -> Roles:
    admins = await admin_ids(session, configured_admins)
    incubators = await data.incubators_of_coordinator(session, user_id)
    return Roles(user_id=user_id, is_admin=user_id in admins, incubators=frozenset(incubators))


async def record_refusal(
    session: AsyncSession,
    *,
    actor_id: int,
    action: str,
    subject: str,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Forged, stale or unauthorised attempts are kept in the audit log."""
    details = {"attempt": action[:64]}
    if reason:
        details["reason"] = reason[:32]
    await data.add_audit(
        session,
        actor_id=actor_id,
        action="refused",
        subject=subject[:64],
        details=details,
        now=now,
    )
    await session.commit()


async def refuse(session: AsyncSession, attempt: Attempt, reason: str) -> NoReturn:
    """Audit the refusal (which also ends the transaction and its locks) and raise it."""
    await record_refusal(
        session,
        actor_id=attempt.actor.user_id,
        action=attempt.action,
        subject=attempt.subject,
        now=attempt.now,
        reason=reason,
    )
    raise NotAllowed(reason)


async def require_staff(session: AsyncSession, attempt: Attempt) -> None:
    if not attempt.actor.is_staff:
        await refuse(session, attempt, "not_staff")


async def require_admin(
    session: AsyncSession, attempt: Attempt, configured: list[int]
) -> list[int]:
    """The actor is an admin as the database says now (call it after taking the admins'
    lock); returns every admin."""
    admins = await admin_ids(session, configured)
    if attempt.actor.user_id not in admins:
        await refuse(session, attempt, "not_admin")
    return admins


async def require_incubator(
    session: AsyncSession, attempt: Attempt, incubator_code: str, city: CityData
) -> None:
    """An incubator that exists, which the actor handles (admins handle every one)."""
    if city.incubator(incubator_code) is None:
        raise NotAllowed("unknown_incubator")
    if not attempt.actor.can_handle(incubator_code):
        await refuse(session, attempt, "not_coordinator")


async def require_chat(
    session: AsyncSession, attempt: Attempt, chat_id: int, *, reason: str = "not_coordinator"
) -> str | None:
    """The incubator the chat serves now (None if none), which the actor must handle: a
    group bound to an incubator belongs to that incubator's people."""
    bound = await data.incubator_of_chat(session, chat_id)
    if bound is not None and not attempt.actor.can_handle(bound):
        await refuse(session, attempt, reason)
    return bound


async def menu_of(
    session: AsyncSession, *, user_id: int, configured_admins: list[int], default_locale: str
) -> tuple[Roles, str]:
    """A person's roles and language, for the command menu Telegram shows them."""
    roles = await roles_of(session, user_id, configured_admins)
    locale = (await data.user_locales(session, [user_id])).get(user_id, default_locale)
    return roles, locale


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

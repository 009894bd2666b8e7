"""Data functions of subscriptions: who chose which kinds and areas, and who gets what.

No commits here: the calling service does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Event, Subscription, SubscriptionArea, SubscriptionKind, User

# --- subscriptions --------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionChoice:
    """A subscription as chosen: no areas means every area of the city."""

    kinds: frozenset[str] = field(default_factory=frozenset)
    areas: frozenset[str] = field(default_factory=frozenset)
    reminders: bool = True
    digest: bool = False


async def get_subscription(session: AsyncSession, user_id: int) -> SubscriptionChoice | None:
    subscription = await session.get(Subscription, user_id)
    if subscription is None:
        return None
    kinds = await session.execute(
        select(SubscriptionKind.kind).where(SubscriptionKind.user_id == user_id)  # type: ignore[arg-type]
    )
    areas = await session.execute(
        select(SubscriptionArea.area_code).where(SubscriptionArea.user_id == user_id)  # type: ignore[arg-type]
    )
    return SubscriptionChoice(
        kinds=frozenset(kinds.scalars()),
        areas=frozenset(areas.scalars()),
        reminders=subscription.reminders,
        digest=subscription.digest,
    )


async def _ensure_subscription(session: AsyncSession, user_id: int, now: datetime) -> Subscription:
    subscription = await session.get(Subscription, user_id)
    if subscription is None:
        subscription = Subscription(user_id=user_id, created_at=now, updated_at=now)
        session.add(subscription)
        await session.flush()
    return subscription


async def set_subscription_kinds(
    session: AsyncSession, *, user_id: int, kinds: Iterable[str], now: datetime
) -> None:
    subscription = await _ensure_subscription(session, user_id, now)
    await session.execute(
        delete(SubscriptionKind).where(SubscriptionKind.user_id == user_id)  # type: ignore[arg-type]
    )
    session.add_all(SubscriptionKind(user_id=user_id, kind=kind) for kind in sorted(set(kinds)))
    subscription.updated_at = now
    await session.flush()


async def set_subscription_areas(
    session: AsyncSession, *, user_id: int, areas: Iterable[str], now: datetime
) -> None:
    subscription = await _ensure_subscription(session, user_id, now)
    await session.execute(
        delete(SubscriptionArea).where(SubscriptionArea.user_id == user_id)  # type: ignore[arg-type]
    )
    session.add_all(
        SubscriptionArea(user_id=user_id, area_code=code) for code in sorted(set(areas))
    )
    subscription.updated_at = now
    await session.flush()


async def set_subscription_flags(
    session: AsyncSession,
    *,
    user_id: int,
    now: datetime,
    reminders: bool | None = None,
    digest: bool | None = None,
) -> None:
    """Turn reminders and/or the weekly digest on or off (None leaves a flag as it is)."""
    subscription = await _ensure_subscription(session, user_id, now)
    if reminders is not None:
        subscription.reminders = reminders
    if digest is not None:
        subscription.digest = digest
    subscription.updated_at = now
    session.add(subscription)
    await session.flush()


async def save_subscription(
    session: AsyncSession, *, user_id: int, choice: SubscriptionChoice, now: datetime
) -> None:
    await set_subscription_kinds(session, user_id=user_id, kinds=choice.kinds, now=now)
    await set_subscription_areas(session, user_id=user_id, areas=choice.areas, now=now)
    await set_subscription_flags(
        session, user_id=user_id, now=now, reminders=choice.reminders, digest=choice.digest
    )
    subscription = await _ensure_subscription(session, user_id, now)
    subscription.paused_at = None  # saving is subscribing
    await session.flush()


async def pause_subscription(session: AsyncSession, *, user_id: int, now: datetime) -> bool:
    """Stop sending anything while keeping the choices; whether there was a subscription."""
    subscription = await session.get(Subscription, user_id)
    if subscription is None:
        return False
    if subscription.paused_at is None:
        subscription.paused_at = now
    subscription.updated_at = now
    await session.flush()
    return True


async def is_paused(session: AsyncSession, user_id: int) -> bool:
    subscription = await session.get(Subscription, user_id)
    return subscription is not None and subscription.paused_at is not None


async def delete_subscription(session: AsyncSession, user_id: int) -> bool:
    """Remove the subscription with its kinds and areas; whether there was one."""
    for table in (SubscriptionKind, SubscriptionArea):
        await session.execute(delete(table).where(table.user_id == user_id))  # type: ignore[attr-defined]
    result = await session.execute(
        delete(Subscription).where(Subscription.user_id == user_id)  # type: ignore[arg-type]
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# --- recipients -----------------------------------------------------------------------------


async def subscribers(
    session: AsyncSession, *, kind: str | None = None, area_code: str | None = None
) -> list[tuple[int, str]]:
    """(user id, locale) of the subscribers, blocked ones and those who unsubscribed (no
    kinds left, or paused by the one-tap 🔕) left out: with `kind`, those who chose it;
    with `area_code`, those who chose that area or no area at all."""
    chosen_kind = [SubscriptionKind.user_id == Subscription.user_id]  # type: ignore[arg-type]
    if kind is not None:
        chosen_kind.append(SubscriptionKind.kind == kind)  # type: ignore[arg-type]
    conditions = [
        exists().where(*chosen_kind),
        User.blocked_at.is_(None),  # type: ignore[union-attr]
        Subscription.paused_at.is_(None),  # type: ignore[union-attr]
    ]
    if area_code is not None:
        any_area = exists().where(SubscriptionArea.user_id == Subscription.user_id)  # type: ignore[arg-type]
        this_area = exists().where(
            SubscriptionArea.user_id == Subscription.user_id,  # type: ignore[arg-type]
            SubscriptionArea.area_code == area_code,  # type: ignore[arg-type]
        )
        conditions.append(or_(this_area, ~any_area))
    result = await session.execute(
        select(User.telegram_id, User.locale)
        .join(Subscription, Subscription.user_id == User.telegram_id)  # type: ignore[arg-type]
        .where(*conditions)
        .order_by(User.telegram_id)
    )
    return [(int(user_id), locale) for user_id, locale in result.all()]


async def subscribers_for_event(session: AsyncSession, event: Event) -> list[tuple[int, str]]:
    """The subscribers to announce `event` to: its kind is among theirs, and its area is among
    theirs or they chose no area (a city-wide event reaches every subscriber of the kind)."""
    return await subscribers(session, kind=event.kind, area_code=event.area_code)


async def digest_recipients(session: AsyncSession) -> list[tuple[int, str]]:
    """(user id, locale) of the subscribers who want the weekly digest, blocked and paused
    ones left out."""
    result = await session.execute(
        select(User.telegram_id, User.locale)
        .join(Subscription, Subscription.user_id == User.telegram_id)  # type: ignore[arg-type]
        .where(
            Subscription.digest.is_(True),  # type: ignore[attr-defined]
            Subscription.paused_at.is_(None),  # type: ignore[union-attr]
            User.blocked_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(User.telegram_id)
    )
    return [(int(user_id), locale) for user_id, locale in result.all()]

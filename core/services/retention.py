"""Retention: personal data is kept only as long as the city's periods say (core/retention.py).

One use case applies every period, batch by batch, each batch in its own transaction so a big
table never holds one long write. A dry run does exactly the same work in one transaction and
rolls it back, so its counts are those a real run at that moment would give.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.pitch_workflow import DECLINE_REASONS
from core.retention import RetentionPolicy
from storage import retention as data
from storage.anonymising import anonymise_pitches

BATCH_SIZE = 500

# What a run counts, in the order it is done and reported. Users come last: a person whose
# last pitch was anonymised in this run may go in the same run.
KINDS: tuple[str, ...] = (
    "drafts",
    "outbox_messages",
    "delivery_attempts",
    "campaigns",
    "closed_pitches",
    "relayed_texts",
    "pitch_message_records",
    "audit_entries",
    "users",
)


@dataclass
class RetentionReport:
    """How many of each kind went (or would go, in a dry run), and each kind's cut-off."""

    now: datetime
    dry_run: bool
    cutoffs: dict[str, datetime]
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[tuple[str, int, datetime]]:
        """(kind, count, cut-off) in the order of KINDS."""
        return [(kind, self.counts[kind], self.cutoffs[kind]) for kind in KINDS]


def cutoffs(policy: RetentionPolicy, now: datetime) -> dict[str, datetime]:
    """Each kind's cut-off: what is older than it goes."""
    outbox = policy.outbox_before(now)
    closed = policy.closed_pitches_before(now)
    return {
        "drafts": policy.drafts_before(now),
        "outbox_messages": outbox,
        "delivery_attempts": outbox,
        "campaigns": outbox,
        "closed_pitches": closed,
        "relayed_texts": closed,
        "pitch_message_records": closed,
        "audit_entries": policy.audit_before(now),
        "users": policy.inactive_users_before(now),
    }


async def apply_retention(
    session: AsyncSession,
    policy: RetentionPolicy,
    now: datetime,
    *,
    dry_run: bool,
    erase_pitch_text: bool = False,
    keep_user_ids: Collection[int] = (),
    batch_size: int = BATCH_SIZE,
) -> RetentionReport:
    """Apply every retention period as of `now`. `keep_user_ids` (the configured admins) are
    never deleted, nor is anyone with a role; `erase_pitch_text` removes a closed pitch's own
    text too. With `dry_run` the same work is done and rolled back: nothing changes, and the
    counts are what a run would remove."""
    run = _Run(
        session, now, dry_run, batch_size, RetentionReport(now, dry_run, cutoffs(policy, now))
    )
    try:
        await run.batches(run.drafts)
        await run.batches(run.outbox)
        await run.batches(run.campaigns)
        await run.batches(lambda: run.closed_pitches(erase_pitch_text))
        await run.batches(run.audit)
        await run.batches(lambda: run.users(frozenset(keep_user_ids)))
    finally:
        # A dry run's work is undone; after a real run's last commit there is nothing to undo.
        await session.rollback()
    return run.report


@dataclass
class _Run:
    session: AsyncSession
    now: datetime
    dry_run: bool
    batch_size: int
    report: RetentionReport

    async def batches(self, step: Callable[[], Awaitable[int]]) -> None:
        """Run `step` until a batch finds fewer than a full batch; each real batch commits."""
        while True:
            found = await step()
            if not self.dry_run:
                await self.session.commit()
            if found < self.batch_size:
                return

    def _add(self, kind: str, count: int) -> None:
        self.report.counts[kind] += count

    async def drafts(self) -> int:
        deleted = await data.delete_drafts(
            self.session, untouched_before=self.report.cutoffs["drafts"], limit=self.batch_size
        )
        self._add("drafts", deleted)
        return deleted

    async def outbox(self) -> int:
        ids = await data.old_outbox_ids(
            self.session,
            created_before=self.report.cutoffs["outbox_messages"],
            limit=self.batch_size,
        )
        rows, attempts = await data.delete_outbox_rows(self.session, ids)
        self._add("outbox_messages", rows)
        self._add("delivery_attempts", attempts)
        return len(ids)

    async def campaigns(self) -> int:
        deleted = await data.delete_finished_campaigns(
            self.session, created_before=self.report.cutoffs["campaigns"], limit=self.batch_size
        )
        self._add("campaigns", deleted)
        return deleted

    async def closed_pitches(self, erase_text: bool) -> int:
        ids = await data.closed_pitches_to_anonymise(
            self.session,
            closed_before=self.report.cutoffs["closed_pitches"],
            limit=self.batch_size,
        )
        done = await anonymise_pitches(
            self.session,
            ids,
            erase_text=erase_text,
            template_reasons=DECLINE_REASONS,
            now=self.now,
        )
        self._add("closed_pitches", len(done.pitch_ids))
        self._add("relayed_texts", done.relayed_texts)
        self._add("pitch_message_records", await data.forget_pitch_messages(self.session, ids))
        return len(ids)

    async def audit(self) -> int:
        deleted = await data.delete_audit_entries(
            self.session,
            written_before=self.report.cutoffs["audit_entries"],
            limit=self.batch_size,
        )
        self._add("audit_entries", deleted)
        return deleted

    async def users(self, keep: frozenset[int]) -> int:
        seen_before = self.report.cutoffs["users"]
        ids = await data.inactive_user_ids(
            self.session, seen_before=seen_before, now=self.now, keep=keep, limit=self.batch_size
        )
        gone = await data.delete_users(
            self.session, ids, seen_before=seen_before, now=self.now, keep=keep
        )
        self._add("users", len(gone))
        return len(ids)

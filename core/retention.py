"""How long each kind of personal data is kept: the periods a city sets (see Settings) and
the cut-off times they give. Pure: no database, no clock of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# A month is counted as 30 days and a year as 365, so a period is exact and the same in every
# time zone; a retention period is a ceiling, and a day's difference does not matter to it.
DAYS_PER_MONTH = 30


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """The periods; each is at least one day (one month) long."""

    draft_days: int = 30
    outbox_days: int = 90
    closed_pitch_months: int = 24
    audit_months: int = 24
    inactive_user_months: int = 12

    def drafts_before(self, now: datetime) -> datetime:
        """Drafts untouched since before this are deleted."""
        return now - timedelta(days=self.draft_days)

    def outbox_before(self, now: datetime) -> datetime:
        """Outbox rows (queued or sent) and their delivery attempts created before this go."""
        return now - timedelta(days=self.outbox_days)

    def closed_pitches_before(self, now: datetime) -> datetime:
        """Pitches closed before this lose their personal fields and relayed texts."""
        return now - timedelta(days=self.closed_pitch_months * DAYS_PER_MONTH)

    def audit_before(self, now: datetime) -> datetime:
        """Audit entries written before this are deleted."""
        return now - timedelta(days=self.audit_months * DAYS_PER_MONTH)

    def inactive_users_before(self, now: datetime) -> datetime:
        """Users last seen before this, with no pitch, subscription or RSVP, are deleted."""
        return now - self.conversation_ttl()

    def conversation_ttl(self) -> timedelta:
        """How long an untouched conversation state lives where it expires by itself (Redis):
        no longer than the person it belongs to would be kept."""
        return timedelta(days=self.inactive_user_months * DAYS_PER_MONTH)

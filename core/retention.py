"""How long each kind of personal data is kept: the periods a city sets (see Settings) and
the cut-off times they give. Pure: no database, no clock of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.pitch_workflow import DECLINE_REASONS

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


# History entries whose `detail` is a message written between a coordinator and the resident
# (a question, a message, an answer). A move's incubators stay.
RELAYED_TEXT_KINDS: tuple[str, ...] = ("ask", "message", "reply")
# Entries whose `detail` is one of these codes, or else words a coordinator wrote to the
# resident: a reason for not taking a pitch forward chosen from the templates stays, a
# written one goes with the relayed texts.
CODED_TEXT_KINDS: dict[str, tuple[str, ...]] = {"decline": DECLINE_REASONS}


def anonymised_pitch_values(*, erase_text: bool) -> dict[str, object]:
    """What a pitch's columns become when its personal data goes: who sent it, how to reach
    them and their voice notes or photos always; with `erase_text` (ERASE_PITCH_TEXT) the
    idea's own words too. Its codes (area, theme, support) and history of decisions stay."""
    values: dict[str, object] = {
        "user_id": None,
        "submitter_name": None,
        "contact_phone": None,
        "contact_email": None,
        "media": [],
    }
    if erase_text:
        values.update(title="", need="", idea_text=None)
    return values

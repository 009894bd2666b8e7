"""SQLModel tables, one module per part of the programme. Times are stored in UTC.

Importing this package registers every table on SQLModel.metadata (Alembic relies on it).
"""

from __future__ import annotations

from storage.models.city_tables import (
    AreaRecord,
    CityDataVersion,
    IncubatorRecord,
    NeighbourhoodRecord,
    SupportOptionRecord,
    ThemeRecord,
)
from storage.models.columns import (
    utcnow,
)
from storage.models.event_tables import (
    EVENT_KINDS,
    EVENT_STATUSES,
    RSVP_STATUSES,
    Event,
    Rsvp,
    Subscription,
    SubscriptionArea,
    SubscriptionKind,
)
from storage.models.outbox_tables import (
    OUTBOX_STATUSES,
    Campaign,
    DeliveryAttempt,
    OutboxMessage,
)
from storage.models.people_tables import (
    AuditEntry,
    Coordinator,
    FsmRecord,
    GroupChat,
    IncubatorChat,
    PromotedAdmin,
    User,
)
from storage.models.pitch_tables import (
    CONSENT_KINDS,
    ConsentRecord,
    Pitch,
    PitchDraft,
    PitchEvent,
    PitchMessage,
    ReferenceCounter,
)
from storage.models.privacy_tables import PrivacyNoticeAnnouncement
from storage.models.update_tables import HandledUpdate

__all__ = [
    "CONSENT_KINDS",
    "EVENT_KINDS",
    "EVENT_STATUSES",
    "OUTBOX_STATUSES",
    "RSVP_STATUSES",
    "AreaRecord",
    "AuditEntry",
    "Campaign",
    "CityDataVersion",
    "ConsentRecord",
    "Coordinator",
    "DeliveryAttempt",
    "Event",
    "FsmRecord",
    "GroupChat",
    "HandledUpdate",
    "IncubatorChat",
    "IncubatorRecord",
    "NeighbourhoodRecord",
    "OutboxMessage",
    "Pitch",
    "PitchDraft",
    "PitchEvent",
    "PitchMessage",
    "PrivacyNoticeAnnouncement",
    "PromotedAdmin",
    "ReferenceCounter",
    "Rsvp",
    "Subscription",
    "SubscriptionArea",
    "SubscriptionKind",
    "SupportOptionRecord",
    "ThemeRecord",
    "User",
    "utcnow",
]

"""What the residents have been told about how their data is handled."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.models.columns import utc_column as _utc_column
from storage.models.columns import utcnow


class PrivacyNoticeAnnouncement(SQLModel, table=True):
    """The privacy notice's version residents with open pitches were last told of, per city
    (so a restart with the same city file tells no one again)."""

    __tablename__ = "privacy_notice_announcements"

    city_code: str = Field(primary_key=True, max_length=24)
    notice_version: str = Field(max_length=32)
    announced_at: datetime = Field(default_factory=utcnow, sa_column=_utc_column(nullable=False))

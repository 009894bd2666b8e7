"""rights: the privacy notice's version residents were last told of

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 19:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "privacy_notice_announcements",
        sa.Column("city_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("notice_version", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("city_code"),
    )


def downgrade() -> None:
    op.drop_table("privacy_notice_announcements")

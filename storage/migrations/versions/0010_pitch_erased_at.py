"""erasure: a pitch remembers when its personal data was removed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 19:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pitches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): copying the table, as batch mode would,
    # cannot drop it while its history and consent records refer to it.
    with op.batch_alter_table("pitches", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("erased_at")

"""city reference data, pitch drafts and pitches

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 17:06:01.998676
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "areas",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "city_data_versions",
        sa.Column("city_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("checksum", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("city_code"),
    )
    op.create_table(
        "incubators",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("area_codes", sa.JSON(), nullable=False),
        sa.Column("theme_codes", sa.JSON(), nullable=False),
        sa.Column("is_fallback", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "reference_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year"),
    )
    op.create_table(
        "support_options",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "themes",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("emoji", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "neighbourhoods",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("area_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["areas.code"],
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "pitch_drafts",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("editing", sa.Boolean(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("need", sa.Text(), nullable=True),
        sa.Column("idea_text", sa.Text(), nullable=True),
        sa.Column("media", sa.JSON(), nullable=False),
        sa.Column("area_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column(
            "neighbourhood_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True
        ),
        sa.Column("whole_city", sa.Boolean(), nullable=False),
        sa.Column("theme_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column("support_codes", sa.JSON(), nullable=False),
        sa.Column("submitter_kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column("submitter_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("contact_phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("contact_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.telegram_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "pitches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("need", sa.Text(), nullable=False),
        sa.Column("idea_text", sa.Text(), nullable=True),
        sa.Column("media", sa.JSON(), nullable=False),
        sa.Column("area_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column(
            "neighbourhood_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True
        ),
        sa.Column("theme_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column("support_codes", sa.JSON(), nullable=False),
        sa.Column("submitter_kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column("submitter_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("contact_phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("contact_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("incubator_code", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["areas.code"],
        ),
        sa.ForeignKeyConstraint(
            ["incubator_code"],
            ["incubators.code"],
        ),
        sa.ForeignKeyConstraint(
            ["neighbourhood_code"],
            ["neighbourhoods.code"],
        ),
        sa.ForeignKeyConstraint(
            ["theme_code"],
            ["themes.code"],
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.telegram_id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pitches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pitches_incubator_code"), ["incubator_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_pitches_reference"), ["reference"], unique=True)
        batch_op.create_index(batch_op.f("ix_pitches_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_pitches_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pitches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pitches_user_id"))
        batch_op.drop_index(batch_op.f("ix_pitches_status"))
        batch_op.drop_index(batch_op.f("ix_pitches_reference"))
        batch_op.drop_index(batch_op.f("ix_pitches_incubator_code"))

    op.drop_table("pitches")
    op.drop_table("pitch_drafts")
    op.drop_table("neighbourhoods")
    op.drop_table("themes")
    op.drop_table("support_options")
    op.drop_table("reference_counters")
    op.drop_table("incubators")
    op.drop_table("city_data_versions")
    op.drop_table("areas")

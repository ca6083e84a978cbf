"""events pipeline: write keys of the collector

Revision ID: events_pipeline_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "events_pipeline_0001"
down_revision = None
branch_labels = ("events_pipeline",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_write_keys",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(200), nullable=False, index=True),
        sa.Column("prefix", sa.String(20), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    op.drop_table("event_write_keys")

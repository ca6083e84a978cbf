"""lineage: column edges, queries, owners, tags and ingestion runs

Revision ID: lineage_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "lineage_0001"
down_revision = None
branch_labels = ("lineage",)
depends_on = "core_0001"

NAME = 500
Stamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "lineage_columns",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("table_name", sa.String(NAME), nullable=False),
        sa.Column("column_name", sa.String(NAME), nullable=False),
        sa.Column("data_type", sa.String(200)),
        sa.Column("origin", sa.String(40), nullable=False),
        sa.Column("first_seen", Stamp, nullable=False),
        sa.Column("last_seen", Stamp, nullable=False),
        sa.UniqueConstraint("table_name", "column_name", name="uq_lineage_columns_name"),
    )
    op.create_index("ix_lineage_columns_column", "lineage_columns", ["column_name"])
    op.create_table(
        "lineage_edges",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("upstream_id", sa.Integer, sa.ForeignKey("lineage_columns.id"), nullable=False),
        sa.Column("downstream_id", sa.Integer, sa.ForeignKey("lineage_columns.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("subkind", sa.String(20), nullable=False),
        sa.Column("expression", sa.Text, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("first_seen", Stamp, nullable=False),
        sa.Column("last_seen", Stamp, nullable=False),
        sa.Column("seen_count", sa.Integer, nullable=False),
        sa.UniqueConstraint(
            "upstream_id", "downstream_id", "subkind", name="uq_lineage_edges_link"
        ),
    )
    op.create_index("ix_lineage_edges_downstream", "lineage_edges", ["downstream_id"])
    op.create_table(
        "lineage_queries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("query_id", sa.String(300), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("sql", sa.Text, nullable=False),
        sa.Column("sql_truncated", sa.Boolean, nullable=False),
        sa.Column("user_name", sa.String(300)),
        sa.Column("statement_type", sa.String(40)),
        sa.Column("error", sa.Text),
        sa.Column("first_seen", Stamp, nullable=False),
        sa.Column("last_seen", Stamp, nullable=False),
        sa.Column("run_count", sa.Integer, nullable=False),
    )
    op.create_table(
        "lineage_edge_queries",
        sa.Column("edge_id", sa.Integer, sa.ForeignKey("lineage_edges.id"), primary_key=True),
        sa.Column("query_pk", sa.Integer, sa.ForeignKey("lineage_queries.id"), primary_key=True),
    )
    op.create_index("ix_lineage_edge_queries_query", "lineage_edge_queries", ["query_pk"])
    op.create_table(
        "lineage_owners",
        sa.Column("table_name", sa.String(NAME), primary_key=True),
        sa.Column("owner", sa.String(300), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
    )
    op.create_table(
        "lineage_tags",
        sa.Column("table_name", sa.String(NAME), primary_key=True),
        sa.Column("column_name", sa.String(NAME), primary_key=True),
        sa.Column("tag", sa.String(100), primary_key=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
    )
    op.create_index("ix_lineage_tags_tag", "lineage_tags", ["tag"])
    op.create_table(
        "lineage_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("started_at", Stamp, nullable=False),
        sa.Column("finished_at", Stamp),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("since", Stamp),
        sa.Column("watermark", Stamp),
        sa.Column("stats", sa.JSON, nullable=False),
        sa.Column("message", sa.Text),
    )
    op.create_index("ix_lineage_runs_name", "lineage_runs", ["name", "status"])


def downgrade() -> None:
    for table in (
        "lineage_runs",
        "lineage_tags",
        "lineage_owners",
        "lineage_edge_queries",
        "lineage_queries",
        "lineage_edges",
        "lineage_columns",
    ):
        op.drop_table(table)

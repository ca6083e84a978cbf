"""The lineage store's catalog tables, as ``migrations/versions`` creates them.

lineage_columns       one row per column node (table, column), with where it was seen
lineage_edges         upstream column -> downstream column, one row per subkind
lineage_queries       the queries that produced edges, one row per query shape
lineage_edge_queries  which queries produced which edge (capped per edge)
lineage_owners        table -> owner
lineage_tags          (table, column) -> tag (``pii`` ...)
lineage_runs          each ingestion: source, counts and the watermark reached
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

NAME = 500  # longest table or column name kept
Stamp = sa.DateTime(timezone=True)

lineage_columns = sa.Table(
    "lineage_columns",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("table_name", sa.String(NAME), nullable=False),
    sa.Column("column_name", sa.String(NAME), nullable=False),
    sa.Column("data_type", sa.String(200)),
    sa.Column("origin", sa.String(40), nullable=False),
    sa.Column("first_seen", Stamp, nullable=False),
    sa.Column("last_seen", Stamp, nullable=False),
    sa.UniqueConstraint("table_name", "column_name", name="uq_lineage_columns_name"),
)

lineage_edges = sa.Table(
    "lineage_edges",
    metadata,
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
    sa.UniqueConstraint("upstream_id", "downstream_id", "subkind", name="uq_lineage_edges_link"),
)

lineage_queries = sa.Table(
    "lineage_queries",
    metadata,
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

lineage_edge_queries = sa.Table(
    "lineage_edge_queries",
    metadata,
    sa.Column("edge_id", sa.Integer, sa.ForeignKey("lineage_edges.id"), primary_key=True),
    sa.Column("query_pk", sa.Integer, sa.ForeignKey("lineage_queries.id"), primary_key=True),
)

lineage_owners = sa.Table(
    "lineage_owners",
    metadata,
    sa.Column("table_name", sa.String(NAME), primary_key=True),
    sa.Column("owner", sa.String(300), nullable=False),
    sa.Column("source", sa.String(40), nullable=False),
    sa.Column("updated_at", Stamp, nullable=False),
)

lineage_tags = sa.Table(
    "lineage_tags",
    metadata,
    sa.Column("table_name", sa.String(NAME), primary_key=True),
    sa.Column("column_name", sa.String(NAME), primary_key=True),
    sa.Column("tag", sa.String(100), primary_key=True),
    sa.Column("source", sa.String(40), nullable=False),
    sa.Column("created_at", Stamp, nullable=False),
)

lineage_runs = sa.Table(
    "lineage_runs",
    metadata,
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

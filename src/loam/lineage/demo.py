"""The demo workspace's lineage: a small marketplace ("bazaar") whose BigQuery ETL
turns raw tables and date-sharded app events into staging tables and marts.

``build`` writes a JOBS export of a week of that ETL (reruns, one failed job, a
script parent and an INFORMATION_SCHEMA query among them, as a real log has),
ingests it, and records owners and the PII columns (e-mail and phone). When the
Event Center's demo has filled the registry, its event schemas are ingested first,
so the feed marts' lineage starts at event parameters (``item.seller.seller_id``).
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from loam.lineage.errors import LineageInputError
from loam.lineage.ingest import IngestOptions, IngestReport, ingest
from loam.lineage.model import ColumnRef
from loam.lineage.store import LineageStore

PROJECT = "bazaar"

RAW_COLUMNS = {
    "bazaar.raw.users": ["id", "email", "phone", "full_name", "country", "created_at"],
    "bazaar.raw.listings": ["id", "seller_id", "title", "category", "price_cents", "created_at"],
    "bazaar.raw.orders": [
        "id",
        "listing_id",
        "buyer_id",
        "amount_cents",
        "currency",
        "status",
        "created_at",
    ],
    "bazaar.raw.fx_rates": ["day", "currency", "usd_rate"],
    "bazaar.analytics.events_yyyymmdd": [
        "event_name",
        "event_timestamp",
        "user_id",
        "event_params",
    ],
}

ETL: list[tuple[str, str, str]] = [
    # (job name, service account, SQL)
    (
        "stg_users",
        "etl@bazaar.iam",
        """CREATE OR REPLACE TABLE stg.users AS
SELECT id AS user_id, LOWER(TRIM(email)) AS email, TO_HEX(SHA256(LOWER(email))) AS email_hash,
       phone, country, DATE(created_at) AS signup_date
FROM raw.users
WHERE email IS NOT NULL""",
    ),
    (
        "stg_listings",
        "etl@bazaar.iam",
        """CREATE OR REPLACE TABLE stg.listings AS
SELECT id AS listing_id, seller_id, category, price_cents / 100 AS price
FROM raw.listings""",
    ),
    (
        "stg_orders",
        "etl@bazaar.iam",
        """CREATE OR REPLACE TABLE stg.orders AS
SELECT o.id AS order_id, o.listing_id, o.buyer_id,
       o.amount_cents / 100 * fx.usd_rate AS amount_usd,
       o.status = 'paid' AS is_paid, o.created_at AS ordered_at
FROM raw.orders AS o
JOIN raw.fx_rates AS fx ON fx.day = DATE(o.created_at) AND fx.currency = o.currency""",
    ),
    (
        "stg_page_views",
        "events-loader@bazaar.iam",
        """CREATE OR REPLACE TABLE stg.page_views AS
SELECT user_id, DATE(TIMESTAMP_MICROS(event_timestamp)) AS day,
       (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'listing_id') AS listing_id
FROM `bazaar.analytics.events_20240601`
WHERE event_name = 'page_view'""",
    ),
    (
        "mart_daily_gmv",
        "etl@bazaar.iam",
        """CREATE OR REPLACE TABLE mart.daily_gmv AS
SELECT DATE(o.ordered_at) AS day, l.category, SUM(o.amount_usd) AS gmv_usd,
       COUNT(DISTINCT o.order_id) AS orders
FROM stg.orders AS o JOIN stg.listings AS l ON l.listing_id = o.listing_id
WHERE o.is_paid
GROUP BY DATE(o.ordered_at), l.category""",
    ),
    (
        "mart_seller_performance",
        "etl@bazaar.iam",
        """CREATE OR REPLACE TABLE mart.seller_performance AS
SELECT l.seller_id, SUM(o.amount_usd) AS gmv_usd, COUNT(*) AS orders,
       COUNT(DISTINCT o.buyer_id) AS buyers
FROM stg.orders AS o JOIN stg.listings AS l USING (listing_id)
WHERE o.is_paid
GROUP BY l.seller_id""",
    ),
    (
        "mart_customer_ltv",
        "etl@bazaar.iam",
        """CREATE OR REPLACE TABLE mart.customer_ltv AS
SELECT u.user_id, u.email, u.country, SUM(o.amount_usd) AS lifetime_value_usd,
       MIN(o.ordered_at) AS first_order_at
FROM stg.users AS u LEFT JOIN stg.orders AS o ON o.buyer_id = u.user_id AND o.is_paid
GROUP BY u.user_id, u.email, u.country""",
    ),
    (
        "mart_crm_audience",
        "crm-sync@bazaar.iam",
        """INSERT INTO mart.crm_audience (email, country, segment)
SELECT email, country,
       CASE WHEN lifetime_value_usd > 500 THEN 'vip' ELSE 'regular' END AS segment
FROM mart.customer_ltv
WHERE lifetime_value_usd > 0""",
    ),
    (
        "mart_funnel",
        "etl@bazaar.iam",
        """CREATE OR REPLACE TABLE mart.listing_funnel AS
SELECT v.listing_id, COUNT(*) AS views, COUNT(DISTINCT o.order_id) AS orders
FROM stg.page_views AS v
LEFT JOIN stg.orders AS o ON CAST(o.listing_id AS STRING) = v.listing_id
GROUP BY v.listing_id""",
    ),
]

# Reads of the Event Center's demo events (loaded by the pipeline into app_events.<event>).
ETL += [
    (
        "stg_feed_clicks",
        "events-loader@bazaar.iam",
        """CREATE OR REPLACE TABLE stg.feed_clicks AS
SELECT user_id, DATE(event_timestamp) AS day, item.item_id AS item_id,
       item.seller.seller_id AS seller_id, item.category AS category, position, is_promoted
FROM app_events.click_item_home""",
    ),
    (
        "mart_feed_ctr",
        "etl@bazaar.iam",
        """CREATE OR REPLACE TABLE mart.feed_ctr AS
WITH views AS (
  SELECT DATE(event_timestamp) AS day, item.category AS category, COUNT(*) AS impressions
  FROM app_events.view_item_home GROUP BY 1, 2
)
SELECT v.day, v.category, v.impressions, COUNT(c.item_id) AS clicks,
       SAFE_DIVIDE(COUNT(c.item_id), v.impressions) AS ctr
FROM views AS v LEFT JOIN stg.feed_clicks AS c ON c.day = v.day AND c.category = v.category
GROUP BY v.day, v.category, v.impressions""",
    ),
    (
        "mart_seller_engagement",
        "etl@bazaar.iam",
        """CREATE OR REPLACE TABLE mart.seller_engagement AS
SELECT seller_id, COUNT(*) AS feed_clicks, COUNTIF(is_promoted) AS promoted_clicks
FROM stg.feed_clicks
GROUP BY seller_id""",
    ),
]

OWNERS = {
    "bazaar.raw.users": "platform@bazaar.io",
    "bazaar.raw.listings": "platform@bazaar.io",
    "bazaar.raw.orders": "payments@bazaar.io",
    "bazaar.raw.fx_rates": "finance@bazaar.io",
    "bazaar.analytics.events_yyyymmdd": "app-events@bazaar.io",
    "bazaar.stg.users": "data-eng@bazaar.io",
    "bazaar.stg.listings": "data-eng@bazaar.io",
    "bazaar.stg.orders": "data-eng@bazaar.io",
    "bazaar.stg.page_views": "data-eng@bazaar.io",
    "bazaar.mart.daily_gmv": "finance@bazaar.io",
    "bazaar.mart.seller_performance": "marketplace-ops@bazaar.io",
    "bazaar.mart.customer_ltv": "growth@bazaar.io",
    "bazaar.mart.crm_audience": "crm@bazaar.io",
    "bazaar.mart.listing_funnel": "growth@bazaar.io",
    "bazaar.stg.feed_clicks": "data-eng@bazaar.io",
    "bazaar.mart.feed_ctr": "feed-team@bazaar.io",
    "bazaar.mart.seller_engagement": "marketplace-ops@bazaar.io",
}
PII = [("bazaar.raw.users", "email"), ("bazaar.raw.users", "phone")]


def jobs(days: int = 7, start: datetime | None = None) -> list[dict[str, Any]]:
    """A week of the nightly ETL as ``INFORMATION_SCHEMA.JOBS`` rows."""
    start = start or datetime(2024, 6, 1, 2, 0, tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    for day in range(days):
        night = start + timedelta(days=day)
        rows.append(
            _job(
                f"script_{day}",
                night,
                "etl@bazaar.iam",
                "BEGIN CALL etl.nightly(); END",
                statement_type="SCRIPT",
            )
        )
        for step, (name, user, sql) in enumerate(ETL):
            sql = sql.replace("events_20240601", f"events_{night:%Y%m%d}")
            rows.append(_job(f"{name}_{day}", night + timedelta(minutes=5 * step), user, sql))
        rows.append(
            _job(
                f"monitor_{day}",
                night + timedelta(hours=1),
                "monitor@bazaar.iam",
                "SELECT job_id, total_bytes_billed FROM `region-us`.INFORMATION_SCHEMA.JOBS",
                statement_type="SELECT",
            )
        )
    rows.append(
        _job(
            "mart_daily_gmv_broken",
            start + timedelta(hours=3),
            "analyst@bazaar.io",
            "SELECT SUM(gmv_usd FROM mart.daily_gmv",
            error='Syntax error: Expected ")"',
        )
    )
    return rows


def _job(
    job_id: str,
    at: datetime,
    user: str,
    sql: str,
    statement_type: str = "CREATE_TABLE_AS_SELECT",
    error: str | None = None,
) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "creation_time": at.isoformat(),
        "project_id": PROJECT,
        "user_email": user,
        "job_type": "QUERY",
        "state": "DONE",
        "statement_type": statement_type,
        "query": sql,
        "error_result": {"reason": "invalidQuery", "message": error} if error else None,
    }


def build(ws: Any, progress: Any = None, task: Any = None) -> IngestReport:
    """Fill ``ws`` with the marketplace's lineage (idempotent: a rerun adds nothing)."""
    folder = ws.path / "lineage-demo"
    folder.mkdir(parents=True, exist_ok=True)
    export = folder / "bazaar-jobs.jsonl"
    export.write_text("".join(json.dumps(row) + "\n" for row in jobs()))
    if progress is not None and task is not None:
        progress.update(task, description="demo: Lineage (a week of BigQuery jobs)")
    store = LineageStore(ws.catalog)
    # The Event Center's schemas, when its demo filled the registry; without the Event
    # Center in this build, lineage starts at the event tables instead.
    with contextlib.suppress(LineageInputError):
        ingest(
            store, "events", workspace=ws, options=IngestOptions(dataset=f"{PROJECT}.app_events")
        )
    store.add_columns(
        ((table, column, None) for table, columns in RAW_COLUMNS.items() for column in columns),
        origin="demo",
    )
    report = ingest(
        store, "bigquery-jobs", export, options=IngestOptions(name="bazaar-jobs", processes=1)
    )
    for table, owner in OWNERS.items():
        store.set_owner(table, owner, source="demo")
    for table, column in PII:
        store.tag(ColumnRef(table, column), "pii", source="demo")
    return report

"""A varied, realistic set of warehouse queries for the lineage benchmark.

Deterministic (seeded): CTAS with joins, CTEs, window functions, BigQuery UNNEST
and struct fields, MERGE, INSERT ... SELECT, UPDATE, views over UNIONs, and
date-sharded tables, over a small star schema whose columns are known.
"""

from __future__ import annotations

import random

PROJECT = "acme-prod"
TABLES: dict[str, list[str]] = {
    "raw.users": ["user_id", "email", "phone", "country", "created_at", "plan", "referrer"],
    "raw.orders": ["order_id", "user_id", "amount", "currency", "status", "created_at", "coupon"],
    "raw.order_items": ["order_id", "sku", "quantity", "unit_price", "discount"],
    "raw.products": ["sku", "name", "category", "brand", "cost"],
    "raw.sessions": ["session_id", "user_id", "started_at", "device", "country", "pages"],
    "raw.payments": ["payment_id", "order_id", "method", "paid_amount", "paid_at", "status"],
    "raw.refunds": ["refund_id", "order_id", "refund_amount", "reason", "refunded_at"],
    "raw.inventory": ["sku", "warehouse", "on_hand", "updated_at"],
}
EVENTS = "analytics.events_{date}"
EVENT_COLUMNS = ["event_name", "user_id", "event_ts", "params", "device"]


def schema() -> dict[str, list[str]]:
    tables = {f"{PROJECT}.{name}": cols for name, cols in TABLES.items()}
    tables[f"{PROJECT}.analytics.events_yyyymmdd"] = EVENT_COLUMNS
    return tables


def _cols(rng: random.Random, table: str, k: int) -> list[str]:
    cols = TABLES[table]
    return rng.sample(cols, min(k, len(cols)))


def ctas_join(rng: random.Random, i: int) -> str:
    return f"""
CREATE OR REPLACE TABLE mart.user_orders_{i} AS
SELECT u.user_id, u.email, u.country, o.order_id, o.amount * {rng.randint(1, 9)} AS amount_x,
       COALESCE(o.coupon, 'none') AS coupon, p.method,
       CASE WHEN o.status = 'paid' THEN o.amount ELSE 0 END AS paid_amount
FROM raw.users AS u
JOIN raw.orders AS o ON o.user_id = u.user_id
LEFT JOIN raw.payments AS p ON p.order_id = o.order_id
WHERE o.created_at >= TIMESTAMP('2024-0{rng.randint(1, 9)}-01') AND u.country != 'XX'
"""


def cte_agg(rng: random.Random, i: int) -> str:
    return f"""
INSERT INTO mart.daily_revenue_{i} (day, country, revenue, orders, avg_item)
WITH items AS (
  SELECT oi.order_id, SUM(oi.quantity * oi.unit_price - oi.discount) AS item_total,
         AVG(oi.unit_price) AS avg_price
  FROM raw.order_items AS oi
  GROUP BY oi.order_id
), paid AS (
  SELECT o.order_id, o.user_id, DATE(o.created_at) AS day, o.amount
  FROM raw.orders AS o
  WHERE o.status IN ('paid', 'shipped')
)
SELECT paid.day, u.country, SUM(paid.amount) AS revenue, COUNT(DISTINCT paid.order_id) AS orders,
       AVG(items.avg_price) AS avg_item
FROM paid
JOIN items USING (order_id)
JOIN raw.users AS u ON u.user_id = paid.user_id
GROUP BY 1, 2
HAVING SUM(paid.amount) > {rng.randint(10, 1000)}
"""


def window(rng: random.Random, i: int) -> str:
    part = rng.choice(["user_id", "country", "device"])
    return f"""
CREATE OR REPLACE TABLE mart.session_rank_{i} AS
SELECT session_id, user_id, started_at, pages,
       ROW_NUMBER() OVER (PARTITION BY {part} ORDER BY started_at DESC) AS rn,
       SUM(pages) OVER (PARTITION BY user_id ORDER BY started_at ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS pages_7,
       LAG(started_at) OVER (PARTITION BY user_id ORDER BY started_at) AS prev_start
FROM (
  SELECT * FROM raw.sessions WHERE pages > {rng.randint(0, 5)}
) AS s
QUALIFY rn <= {rng.randint(1, 10)}
"""


def unnest_events(rng: random.Random, i: int) -> str:
    day = f"2024{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    key = rng.choice(["page", "item_id", "campaign", "value"])
    return f"""
INSERT INTO mart.event_params_{i}
SELECT e.event_name, e.user_id, TIMESTAMP_MICROS(e.event_ts) AS ts, p.key AS param_key,
       COALESCE(p.value.string_value, CAST(p.value.int_value AS STRING)) AS param_value,
       e.device.category AS device_category
FROM `{PROJECT}.{EVENTS.format(date=day)}` AS e, UNNEST(e.params) AS p
WHERE p.key = '{key}'
"""


def merge(rng: random.Random, i: int) -> str:
    return f"""
MERGE INTO mart.dim_users_{i} AS t
USING (
  SELECT u.user_id, LOWER(u.email) AS email, u.country, MAX(o.created_at) AS last_order_at,
         SUM(o.amount) AS lifetime_value
  FROM raw.users AS u LEFT JOIN raw.orders AS o ON o.user_id = u.user_id
  GROUP BY u.user_id, u.email, u.country
) AS s
ON t.user_id = s.user_id
WHEN MATCHED THEN UPDATE SET t.email = s.email, t.last_order_at = s.last_order_at,
  t.lifetime_value = s.lifetime_value
WHEN NOT MATCHED THEN INSERT (user_id, email, country, last_order_at, lifetime_value)
  VALUES (s.user_id, s.email, s.country, s.last_order_at, s.lifetime_value)
"""


def update(rng: random.Random, i: int) -> str:
    return f"""
UPDATE mart.user_orders_{i} AS t
SET paid_amount = t.paid_amount - r.refund_amount, coupon = 'refunded'
FROM raw.refunds AS r
WHERE r.order_id = t.order_id AND r.refunded_at > TIMESTAMP('2024-01-{rng.randint(10, 28)}')
"""


def union_view(rng: random.Random, i: int) -> str:
    cols = ", ".join(_cols(rng, "raw.payments", 3))
    return f"""
CREATE OR REPLACE VIEW mart.money_moves_{i} AS
SELECT order_id, paid_amount AS amount, 'payment' AS kind, paid_at AS at FROM raw.payments
UNION ALL
SELECT order_id, -refund_amount AS amount, 'refund' AS kind, refunded_at AS at FROM raw.refunds
UNION ALL
SELECT order_id, amount, status AS kind, created_at AS at FROM raw.orders WHERE {rng.choice(cols.split(", "))} IS NOT NULL
"""


def select_subquery(rng: random.Random, i: int) -> str:
    return f"""
SELECT p.category, p.brand,
       (SELECT SUM(inv.on_hand) FROM raw.inventory AS inv WHERE inv.sku = p.sku) AS stock,
       COUNT(*) AS items, SUM(oi.quantity) AS units
FROM raw.products AS p
JOIN raw.order_items AS oi ON oi.sku = p.sku
WHERE p.cost < {rng.randint(5, 500)}
GROUP BY p.category, p.brand, p.sku
ORDER BY units DESC
LIMIT {rng.randint(10, 100)}
"""


TEMPLATES = [ctas_join, cte_agg, window, unnest_events, merge, update, union_view, select_subquery]


def queries(n: int = 1200, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [TEMPLATES[i % len(TEMPLATES)](rng, i).strip() for i in range(n)]

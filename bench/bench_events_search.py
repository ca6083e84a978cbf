"""Dictionary search latency over 10,000 generated events: Loam's index vs SQLite FTS5.

Both answer the same queries over the same documents (name, description,
parameter names and descriptions, owner, service, tags), ranked by BM25, with
the last word as a prefix. Target: p95 < 50 ms for Loam's index.

    .venv/bin/python bench/bench_events_search.py
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from loam.events.search import SearchIndex, tokenize

N_EVENTS = 10_000
N_QUERIES = 400
ACTIONS = [
    "view",
    "click",
    "impression",
    "search",
    "submit",
    "scroll",
    "share",
    "chat",
    "pay",
    "like",
    "follow",
    "open",
    "close",
    "select",
    "upload",
    "report",
]
OBJECTS = [
    "item",
    "banner",
    "keyword",
    "profile",
    "chat",
    "review",
    "coupon",
    "category",
    "seller",
    "buyer",
    "image",
    "price",
    "filter",
    "notification",
    "order",
    "address",
    "story",
    "job",
    "car",
    "house",
    "meetup",
    "ad",
    "badge",
    "comment",
]
SERVICES = [
    "home",
    "search",
    "chat",
    "mypage",
    "detail",
    "feed",
    "checkout",
    "community",
    "jobs",
    "cars",
    "realty",
    "ads",
    "settings",
    "onboarding",
    "nearby",
]
TEAMS = [
    "marketplace",
    "search",
    "chat",
    "payments",
    "growth",
    "ads",
    "community",
    "local",
    "jobs",
    "cars",
    "realty",
    "platform",
]
WORDS = (  # noqa: SIM905
    "user taps shows card list tapped opened closed neighbourhood region price discount "
    "seller buyer photo listing recommendation ranking position slot carousel message "
    "reply sticker reservation sold deal coupon points badge notification alarm push "
    "thumbnail detail page screen tab bottom sheet modal button share link copy report "
    "block spam fraud verification phone email address distance kilometre category"
).split()
PARAMS = [
    "item_id",
    "seller_id",
    "buyer_id",
    "price",
    "position",
    "category",
    "region_code",
    "keyword",
    "query_id",
    "room_id",
    "message_type",
    "coupon_id",
    "amount",
    "currency",
    "image_count",
    "is_promoted",
    "distance_km",
    "sort_order",
    "filter_kind",
    "badge_kind",
    "screen_name",
    "referrer",
    "experiment_id",
    "variant",
    "duration_ms",
]


@dataclass
class Summary:
    name: str
    description: str
    owner: str
    service: str
    status: str
    tags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def generate(rng: random.Random) -> list[tuple[Summary, dict[str, Any]]]:
    out, seen = [], set()
    while len(out) < N_EVENTS:
        name = f"{rng.choice(ACTIONS)}_{rng.choice(OBJECTS)}_{rng.choice(SERVICES)}"
        if name in seen:
            name = f"{name}_{len(out)}"
        seen.add(name)
        params = [
            {"name": p, "type": "string", "description": " ".join(rng.sample(WORDS, 4))}
            for p in rng.sample(PARAMS, rng.randint(2, 8))
        ]
        params.append(
            {
                "name": "context",
                "type": "object",
                "params": [{"name": p, "type": "string"} for p in rng.sample(PARAMS, 3)],
            }
        )
        summary = Summary(
            name,
            " ".join(rng.sample(WORDS, rng.randint(6, 16))).capitalize(),
            rng.choice(TEAMS),
            name.rsplit("_", 1)[-1],
            rng.choice(["draft", "active", "active", "deprecated"]),
            rng.sample(["feed", "core", "experiment", "legacy", "kpi", "funnel"], 2),
        )
        out.append((summary, {"params": params}))
    return out


def queries(rng: random.Random) -> list[tuple[str, dict[str, str]]]:
    out: list[tuple[str, dict[str, str]]] = []
    for _ in range(N_QUERIES):
        kind = rng.random()
        if kind < 0.3:
            out.append((rng.choice(OBJECTS), {}))
        elif kind < 0.55:
            out.append((f"{rng.choice(WORDS)} {rng.choice(OBJECTS)}", {}))
        elif kind < 0.8:  # typing: a prefix
            word = rng.choice(WORDS + OBJECTS)
            out.append((f"{rng.choice(ACTIONS)} {word[: max(2, len(word) // 2)]}", {}))
        else:
            out.append((rng.choice(OBJECTS), {"team": rng.choice(TEAMS)}))
    return out


def fts_setup(events: list[tuple[Summary, dict[str, Any]]]) -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute(
        "create virtual table docs using fts5(name, description, params, owner, service, "
        "tags, status unindexed, team unindexed, tokenize='unicode61')"
    )
    rows = []
    for s, d in events:
        params = []
        for p in d["params"]:
            params.append(p["name"] + " " + p.get("description", ""))
            params.extend(c["name"] for c in p.get("params", []))
        rows.append(
            (
                " ".join(tokenize(s.name)),
                s.description,
                " ".join(params).replace("_", " "),
                s.owner,
                s.service,
                " ".join(s.tags),
                s.status,
                s.owner,
            )
        )
    db.executemany("insert into docs values (?,?,?,?,?,?,?,?)", rows)
    return db


def fts_query(db: sqlite3.Connection, text: str, filters: dict[str, str]) -> list[str]:
    words = tokenize(text)
    if not words:
        return []
    terms = [f'"{w}"' for w in words[:-1]] + [f'"{words[-1]}"*']
    sql = (
        "select name from docs where docs match ? "
        + ("and team = ? " if "team" in filters else "")
        + "order by bm25(docs, 4.0, 1.0, 2.0, 2.0, 2.0, 2.0) limit 20"
    )
    args = [" AND ".join(terms), *([filters["team"]] if "team" in filters else [])]
    return [r[0] for r in db.execute(sql, args)]


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return statistics.median(ordered), p(0.95), ordered[-1]


def main() -> None:
    rng = random.Random(7)
    events = generate(rng)
    qs = queries(rng)

    t0 = time.perf_counter()
    index = SearchIndex.from_rows({"summary": s, "definition": d} for s, d in events)
    build_loam = time.perf_counter() - t0
    t0 = time.perf_counter()
    db = fts_setup(events)
    build_fts = time.perf_counter() - t0

    results: dict[str, list[float]] = {"loam (in-memory BM25)": [], "sqlite fts5 (bm25)": []}
    hits_loam = hits_fts = 0
    for text, filters in qs:
        t0 = time.perf_counter()
        found = index.search(text, limit=20, **filters)
        results["loam (in-memory BM25)"].append((time.perf_counter() - t0) * 1000)
        hits_loam += bool(found)
        t0 = time.perf_counter()
        rows = fts_query(db, text, filters)
        results["sqlite fts5 (bm25)"].append((time.perf_counter() - t0) * 1000)
        hits_fts += bool(rows)

    print(
        f"dictionary search: {N_EVENTS:,} events, {len(qs)} queries (words, prefixes, "
        "team filter), top 20"
    )
    print(f"{'engine':<24}{'build s':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'answered':>10}")
    for (engine, samples), build, hits in zip(
        results.items(), (build_loam, build_fts), (hits_loam, hits_fts), strict=True
    ):
        p50, p95, worst = percentiles(samples)
        print(f"{engine:<24}{build:>9.2f}{p50:>9.2f}{p95:>9.2f}{worst:>9.2f}{hits:>10}")
    p95 = percentiles(results["loam (in-memory BM25)"])[1]
    print(f"target p95 < 50 ms: {'met' if p95 < 50 else 'MISSED'} ({p95:.2f} ms)")


if __name__ == "__main__":
    main()

"""Dictionary search latency over 10,000 generated events: Loam's index vs SQLite FTS5.

Loam's index alone, Loam's registry over a SQLite catalog (the index plus the check
that it is up to date with the catalog, as the API runs it) and SQLite FTS5 answer
the same queries over the same documents (name, description,
parameter names and descriptions, owner, service, tags), ranked by BM25, with
the last word as a prefix. Target: p95 < 50 ms for the registry.

    .venv/bin/python bench/bench_events_search.py
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from loam.events.search import SearchIndex, tokenize

N_EVENTS = 10_000
N_QUERIES = 400
SCAN_SAMPLES = 25
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


def registry_setup(events: list[tuple[Summary, dict[str, Any]]], folder: str) -> Any:
    """A real registry over a SQLite catalog holding the same events (rows bulk-inserted)."""
    from datetime import UTC, datetime

    from loam.capabilities import migration_folders
    from loam.config import EventsSettings
    from loam.core.catalog import Catalog
    from loam.events import EventRegistry
    from loam.events.tables import event_definitions, event_versions

    catalog = Catalog(f"sqlite:///{folder}/catalog.db", migrations=migration_folders())
    catalog.migrate()
    now = datetime.now(UTC)
    with catalog.begin() as conn:
        conn.execute(
            event_definitions.insert(),
            [
                {
                    "id": i,
                    "name": s.name,
                    "current_version": "1-0-0",
                    "description": s.description,
                    "owner": s.owner,
                    "service": s.service,
                    "status": s.status,
                    "tier": "normal",
                    "tags": s.tags,
                    "created_at": now,
                    "created_by": "bench",
                    "updated_at": now,
                    "updated_by": "bench",
                }
                for i, (s, _) in enumerate(events, 1)
            ],
        )
        conn.execute(
            event_versions.insert(),
            [
                {
                    "id": i,
                    "event_id": i,
                    "version": "1-0-0",
                    "model": 1,
                    "revision": 0,
                    "addition": 0,
                    "definition": {"name": s.name, **d},
                    "classification": "additive",
                    "changes": [],
                    "author": "bench",
                    "message": "",
                    "created_at": now,
                }
                for i, (s, d) in enumerate(events, 1)
            ],
        )
    return EventRegistry(catalog, EventsSettings())


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

    folder = tempfile.mkdtemp(prefix="loam-bench-")
    registry = registry_setup(events, folder)
    t0 = time.perf_counter()
    registry.search("warm up")  # loads the catalog into the index
    build_registry = time.perf_counter() - t0

    results: dict[str, list[float]] = {
        "loam index": [],
        "loam registry (sqlite)": [],
        "sqlite fts5 (bm25)": [],
    }
    hits = dict.fromkeys(results, 0)
    for text, filters in qs:
        for engine, call in (
            ("loam index", lambda t=text, f=filters: index.search(t, limit=20, **f)),
            ("loam registry (sqlite)", lambda t=text, f=filters: registry.search(t, limit=20, **f)),
            ("sqlite fts5 (bm25)", lambda t=text, f=filters: fts_query(db, t, f)),
        ):
            t0 = time.perf_counter()
            found = call()
            results[engine].append((time.perf_counter() - t0) * 1000)
            hits[engine] += bool(found)
    registry.catalog.dispose()
    shutil.rmtree(folder, ignore_errors=True)

    print(
        f"dictionary search: {N_EVENTS:,} events, {len(qs)} queries (words, prefixes, "
        "team filter), top 20"
    )
    print(f"{'engine':<24}{'build s':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'answered':>10}")
    builds = {
        "loam index": build_loam,
        "loam registry (sqlite)": build_registry,
        "sqlite fts5 (bm25)": build_fts,
    }
    for engine, samples in results.items():
        p50, p95, worst = percentiles(samples)
        print(
            f"{engine:<24}{builds[engine]:>9.2f}{p50:>9.2f}{p95:>9.2f}{worst:>9.2f}"
            f"{hits[engine]:>10}"
        )
    p95 = percentiles(results["loam registry (sqlite)"])[1]
    print(f"target p95 < 50 ms: {'met' if p95 < 50 else 'MISSED'} ({p95:.2f} ms)")
    bench_name_check(events, rng)


def bench_name_check(events: list[tuple[Summary, dict[str, Any]]], rng: random.Random) -> None:
    """The as-you-type near-duplicate check, beside a plain scan of every name."""
    from loam.config import EventNamingSettings
    from loam.events.duplicates import NameIndex
    from loam.events.naming import osa_distance, split_words

    names = [s.name for s, _ in events]
    index = NameIndex(names, EventNamingSettings().action_synonyms)
    typed = []
    for _ in range(200):
        words = rng.choice(names).split("_")[:3]
        i = rng.randrange(len(words))
        w = words[i]
        if len(w) > 3:  # a typo: two letters swapped
            j = rng.randrange(len(w) - 1)
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
        typed.append("_".join(reversed(words)) if rng.random() < 0.3 else "_".join(words))

    def scan(name: str) -> list[str]:
        squashed = "".join(split_words(name))
        return [n for n in names if osa_distance(squashed, n.replace("_", "")) <= 2]

    timings: dict[str, list[float]] = {"loam name index": [], "scan every name (OSA)": []}
    found = dict.fromkeys(timings, 0)
    for i, name in enumerate(typed):
        for engine, call in (
            ("loam name index", lambda n=name: index.near_duplicates(n)),
            ("scan every name (OSA)", lambda n=name: scan(n)),
        ):
            if engine.startswith("scan") and i >= SCAN_SAMPLES:
                continue  # the scan takes about a second a name: a sample is enough
            t0 = time.perf_counter()
            hit = call()
            timings[engine].append((time.perf_counter() - t0) * 1000)
            found[engine] += bool(hit)
    print(
        f"\nnear-duplicate name check: {len(names):,} names, {len(typed)} typed names "
        "(typos, reordered words)"
    )
    print(f"{'engine':<24}{'names':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'found':>8}")
    for engine, samples in timings.items():
        p50, p95, worst = percentiles(samples)
        print(f"{engine:<24}{len(samples):>7}{p50:>9.2f}{p95:>9.2f}{worst:>9.2f}{found[engine]:>8}")


if __name__ == "__main__":
    main()

"""How fast the SQLite bus writes and reads, next to what SQLite itself does on this disk.

The peer (the physical limit) is raw ``executemany`` of the same bytes into a plain table,
one fsynced transaction per 500-row batch, in the same run on the same disk. The bus adds
partitioning, offsets and a second table update per flush on top of that.

    .venv/bin/python bench/bench_bus.py [--messages 200000]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable

from loam.core.bus.sqlite import SqliteBus

BATCH = 500
VALUE_BYTES = 500


def make_batches(total: int) -> list[list[tuple[bytes | None, bytes]]]:
    payload = os.urandom(VALUE_BYTES // 2).hex().encode()  # ~500 printable bytes, like a JSON event
    return [
        [(f"device-{(b * BATCH + i) % 5000}".encode(), payload) for i in range(BATCH)]
        for b in range(total // BATCH)
    ]


def timed(work: Callable[[], int]) -> tuple[int, float]:
    started = time.perf_counter()
    count = work()
    return count, time.perf_counter() - started


def raw_sqlite_insert(path: str, batches: list[list[tuple[bytes | None, bytes]]]) -> int:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, key BLOB, value BLOB, ts INTEGER)")
    ts = time.time_ns() // 1_000_000
    for batch in batches:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO t (key, value, ts) VALUES (?, ?, ?)", [(k, v, ts) for k, v in batch]
        )
        conn.execute("COMMIT")
    conn.close()
    return sum(map(len, batches))


def raw_sqlite_scan(path: str) -> int:
    conn = sqlite3.connect(path, isolation_level=None)
    count, last = 0, 0
    while True:
        rows = conn.execute(
            "SELECT id, key, value, ts FROM t WHERE id > ? ORDER BY id LIMIT ?", (last, BATCH)
        ).fetchall()
        if not rows:
            break
        count += len(rows)
        last = rows[-1][0]
    conn.close()
    return count


def bus_produce(bus: SqliteBus, topic: str, batches: list[list[tuple[bytes | None, bytes]]]) -> int:
    producer = bus.producer()
    for batch in batches:
        producer.send_batch(topic, batch)
        producer.flush()
    producer.close()
    return sum(map(len, batches))


def bus_consume(bus: SqliteBus, topic: str, total: int) -> int:
    consumer = bus.consumer("bench", [topic])
    count = 0
    while count < total:
        batch = consumer.poll(max_messages=BATCH, timeout=1.0)
        if not batch:
            break
        count += len(batch)
        consumer.commit()
    consumer.close()
    return count


def one_round(
    folder: str, n: int, batches: list[list[tuple[bytes | None, bytes]]]
) -> list[tuple[str, int, float]]:
    keyless = [[(None, v) for _, v in batch] for batch in batches]
    raw_path = os.path.join(folder, f"raw-{n}.sqlite")
    bus = SqliteBus(os.path.join(folder, f"bus-{n}.sqlite"))
    bus.create_topic("keyed", partitions=4)
    bus.create_topic("keyless", partitions=4)
    rows = [
        (WRITE_LIMIT, *timed(lambda: raw_sqlite_insert(raw_path, batches))),
        (
            "SqliteBus: send_batch(500, keyed) + flush",
            *timed(lambda: bus_produce(bus, "keyed", batches)),
        ),
        (
            "SqliteBus: send_batch(500, keyless) + flush",
            *timed(lambda: bus_produce(bus, "keyless", keyless)),
        ),
        (READ_LIMIT, *timed(lambda: raw_sqlite_scan(raw_path))),
        (
            "SqliteBus: poll(500) + commit",
            *timed(lambda: bus_consume(bus, "keyed", sum(map(len, batches)))),
        ),
    ]
    bus.close()
    return rows


WRITE_LIMIT = "raw sqlite: executemany, 1 fsynced txn / 500 rows"
READ_LIMIT = "raw sqlite: range scan, 500 rows / query"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    batches = make_batches(args.messages)
    best: dict[str, tuple[int, float]] = {}
    with tempfile.TemporaryDirectory(prefix="loam-bench-bus-") as folder:
        # Rounds interleave bus and raw runs, so a busy disk slows both alike; keep each best.
        for n in range(args.rounds):
            for name, count, seconds in one_round(folder, n, batches):
                if name not in best or seconds < best[name][1]:
                    best[name] = (count, seconds)
            for file in os.listdir(folder):
                os.remove(os.path.join(folder, file))

    print(
        f"{args.messages} messages of ~{VALUE_BYTES} bytes, batches of {BATCH}, best of {args.rounds} rounds; "
        "target: 100,000 msg/s written\n"
    )
    print(f"{'what':<52} {'messages':>9} {'seconds':>8} {'msg/s':>10} {'MB/s':>7} {'of limit':>9}")
    for name, (count, seconds) in best.items():
        rate = count / seconds
        limit_name = READ_LIMIT if "scan" in name or "poll" in name else WRITE_LIMIT
        limit = best[limit_name][0] / best[limit_name][1]
        print(
            f"{name:<52} {count:>9} {seconds:>8.2f} {rate:>10,.0f} "
            f"{rate * VALUE_BYTES / 1e6:>7.1f} {rate / limit:>8.0%}"
        )


if __name__ == "__main__":
    main()

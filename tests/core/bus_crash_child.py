"""A small bus client run as a separate process by test_bus_crash.py, to be SIGKILLed.

Every line it logs is fsynced before it goes on, so after a SIGKILL the log holds exactly
what the process had done:

    consume: ``seen <partition> <offset> <value>`` for each polled message, then (after a
             pause standing for processing time) the commit, then ``committed``;
    produce: ``acked <batch>`` once ``flush()`` returned for that batch.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import IO

from loam.core.bus import Bus
from loam.core.bus.kafka import KafkaBus
from loam.core.bus.sqlite import SqliteBus


def open_bus(engine: str, target: str) -> Bus:
    if engine == "sqlite":
        return SqliteBus(target, session_timeout_ms=2000)
    return KafkaBus(target, session_timeout_ms=6000)


def log_line(log: IO[str], text: str) -> None:
    log.write(text + "\n")
    log.flush()
    os.fsync(log.fileno())


def consume(bus: Bus, args: argparse.Namespace, log: IO[str]) -> None:
    consumer = bus.consumer(args.group, [args.topic])
    seen = 0
    last_message = None
    while args.expect is None or seen < args.expect:
        batch = consumer.poll(max_messages=args.batch, timeout=0.5)
        if not batch:
            if last_message is not None and time.monotonic() - last_message > args.idle_exit:
                break  # the expected messages are not coming: let the parent say which are missing
            continue
        last_message = time.monotonic()
        for m in batch:
            log_line(log, f"seen {m.partition} {m.offset} {m.value.decode()}")
        seen += len(batch)
        time.sleep(args.pause)  # "processing": the parent kills us in this window
        consumer.commit()
        log_line(log, "committed")
    consumer.close()


def produce(bus: Bus, args: argparse.Namespace, log: IO[str]) -> None:
    producer = bus.producer()
    for batch in range(1_000_000):
        producer.send_batch(
            args.topic,
            [(f"k{i % 16}".encode(), f"b{batch}-{i}".encode()) for i in range(args.batch)],
        )
        producer.flush()
        log_line(log, f"acked {batch}")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["consume", "produce"])
    parser.add_argument("--engine", choices=["sqlite", "kafka"], required=True)
    parser.add_argument("--target", required=True, help="bus file or bootstrap servers")
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", default="crash-test")
    parser.add_argument("--log", required=True)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--pause", type=float, default=0.0)
    parser.add_argument("--expect", type=int, default=None, help="exit after seeing this many")
    parser.add_argument(
        "--idle-exit", type=float, default=5.0, help="or after this long without news"
    )
    args = parser.parse_args(argv)
    bus = open_bus(args.engine, args.target)
    with open(args.log, "a") as log:
        if args.role == "consume":
            consume(bus, args, log)
        else:
            produce(bus, args, log)
    bus.close()


if __name__ == "__main__":
    main(sys.argv[1:])

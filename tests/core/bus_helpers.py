"""Small helpers the bus tests share: polling until a condition holds, with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from loam.core.bus import Consumer, Message


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, step: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(step)


def collect(
    consumers: Sequence[Consumer], count: int, timeout: float, *, commit: bool
) -> list[list[Message]]:
    """Poll every consumer in turn until together they returned ``count`` messages."""
    got: list[list[Message]] = [[] for _ in consumers]
    deadline = time.monotonic() + timeout
    while sum(map(len, got)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"got {sum(map(len, got))} of {count} messages within {timeout}s")
        for i, consumer in enumerate(consumers):
            batch = consumer.poll(max_messages=500, timeout=0.2)
            got[i].extend(batch)
            if commit and batch:
                consumer.commit()
    return got


def quiet_for(consumer: Consumer, seconds: float) -> list[Message]:
    """Everything ``consumer`` returns during ``seconds`` (expected: nothing)."""
    out: list[Message] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        out.extend(consumer.poll(max_messages=500, timeout=0.2))
    return out


def settle(consumers: Sequence[Consumer], partitions: int, timeout: float) -> None:
    """Poll (on empty topics) until the consumers own disjoint shares covering every partition."""

    def settled() -> bool:
        for c in consumers:
            assert c.poll(max_messages=1, timeout=0.1) == [], (
                "settle() needs topics that are still empty"
            )
        shares = [set(c.assignment()) for c in consumers]
        union = set().union(*shares)
        return all(shares) and sum(map(len, shares)) == len(union) == partitions

    wait_until(
        settled, timeout, f"{len(consumers)} consumers to share {partitions} partitions", step=0
    )

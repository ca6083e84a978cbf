"""Sending events: to a collector over HTTP (as an SDK does) or straight onto the bus.

HTTP sending retries a batch with the same event_ids when the answer is lost (connection
dropped, 5xx), as SDKs do; a batch the collector did take becomes natural duplicates.
"""

from __future__ import annotations

import http.client
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass
class SendReport:
    requests: int = 0
    accepted: int = 0
    quarantined: int = 0
    retries: int = 0
    errors: dict[str, int] = field(default_factory=dict)


def batches(events: Iterable[dict[str, Any]], size: int = 500) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for ev in events:
        batch.append(ev)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class HttpSender:
    """One keep-alive connection to ``POST {url}/collect``."""

    def __init__(
        self, url: str, write_key: str, *, timeout_s: float = 60.0, max_retries: int = 50
    ) -> None:
        parsed = urllib.parse.urlsplit(url)
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 80
        self.path = (parsed.path.rstrip("/") or "") + "/collect"
        self.headers = {"Content-Type": "application/json", "X-Loam-Write-Key": write_key}
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self._conn: http.client.HTTPConnection | None = None

    def send_body(self, body: bytes, report: SendReport) -> dict[str, Any]:
        """POST one body until the collector answers (retrying lost answers); the answer."""
        for attempt in range(self.max_retries + 1):
            try:
                if self._conn is None:
                    self._conn = http.client.HTTPConnection(
                        self.host, self.port, timeout=self.timeout_s
                    )
                self._conn.request("POST", self.path, body=body, headers=self.headers)
                response = self._conn.getresponse()
                data = response.read()
                report.requests += 1
                if response.status >= 500:
                    raise ConnectionError(f"collector answered {response.status}")
                answer: dict[str, Any] = orjson.loads(data) if data else {}
                report.accepted += int(answer.get("accepted", 0))
                report.quarantined += int(answer.get("quarantined", 0))
                if response.status >= 400 and "quarantined" not in answer:
                    code = answer.get("error", {}).get("code", str(response.status))
                    report.errors[code] = report.errors.get(code, 0) + 1
                return answer
            except (OSError, http.client.HTTPException, ConnectionError):
                self.close()
                if attempt == self.max_retries:
                    raise
                report.retries += 1
                time.sleep(min(0.05 * (attempt + 1), 1.0))
        raise AssertionError("unreachable")

    def send(self, events: Iterable[dict[str, Any]], batch_size: int = 500) -> SendReport:
        report = SendReport()
        for batch in batches(events, batch_size):
            self.send_body(orjson.dumps(batch), report)
        return report

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def send_direct(
    collector: Any, events: Iterable[dict[str, Any]], source: str, batch_size: int = 500
) -> SendReport:
    """Through the collector's checks straight onto the bus, no HTTP."""
    report = SendReport()
    for batch in batches(events, batch_size):
        result = collector.ingest_events(batch, source)
        report.requests += 1
        report.accepted += result.accepted
        report.quarantined += len(result.quarantined)
    return report

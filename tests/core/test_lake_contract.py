"""One contract for every lake filesystem: a local folder and an fsspec object store (memory://)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from loam.core.errors import InvalidInput, NotFound
from loam.core.lake import Lake


@pytest.fixture(params=["local", "memory", "s3"])
def lake(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Lake]:
    if request.param == "local":
        yield Lake(str(tmp_path / "lake"))
    elif request.param == "memory":
        yield Lake(f"memory://lake-{uuid.uuid4().hex}")
    else:
        import boto3

        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = f"lake-{uuid.uuid4().hex[:12]}"
        boto3.client("s3", endpoint_url=f"http://{endpoint}").create_bucket(Bucket=bucket)
        yield Lake(
            f"s3://{bucket}/warehouse?endpoint_override={endpoint}&scheme=http&region=us-east-1"
        )


def test_write_and_read_by_date(lake: Lake) -> None:
    lake.write("clicks", pa.table({"n": [1, 2]}), {"dt": "2024-05-01"})
    lake.write("clicks", pa.table({"n": [3]}), {"dt": "2024-05-02"})
    assert lake.partitions("clicks") == [{"dt": "2024-05-01"}, {"dt": "2024-05-02"}]
    assert lake.datasets() == ["clicks"]
    everything = lake.read("clicks")
    assert sorted(everything["n"].to_pylist()) == [1, 2, 3]
    one_day = lake.read("clicks", filter=pc.field("dt") == "2024-05-02")
    assert one_day["n"].to_pylist() == [3]


def test_write_partitioned_splits_rows(lake: Lake) -> None:
    data = pa.table(
        {"dt": ["2024-01-01", "2024-01-02", "2024-01-01"], "event": ["a", "b", "a"], "v": [1, 2, 3]}
    )
    paths = lake.write_partitioned("events", data, ["dt", "event"])
    assert len(paths) == 2
    assert lake.partitions("events") == [
        {"dt": "2024-01-01", "event": "a"},
        {"dt": "2024-01-02", "event": "b"},
    ]
    rows = lake.read("events").sort_by("v").to_pylist()
    assert [(r["dt"], r["event"], r["v"]) for r in rows] == [
        ("2024-01-01", "a", 1),
        ("2024-01-02", "b", 2),
        ("2024-01-01", "a", 3),
    ]


def test_named_write_is_idempotent(lake: Lake) -> None:
    for _ in range(3):
        lake.write("loads", pa.table({"n": [1, 2]}), {"dt": "2024-05-01"}, name="batch-0007")
    assert lake.read("loads").num_rows == 2


def test_bad_names_are_refused(lake: Lake) -> None:
    with pytest.raises(InvalidInput, match="bad dataset"):
        lake.write("../escape", pa.table({"n": [1]}))
    with pytest.raises(InvalidInput, match="bad partition value"):
        lake.write("ok", pa.table({"n": [1]}), {"dt": "../../x"})
    with pytest.raises(NotFound, match="no dataset 'nothing'"):
        lake.read("nothing")
    with pytest.raises(InvalidInput, match="partition column"):
        lake.write_partitioned("ok", pa.table({"n": [1]}), ["dt"])


def test_health(lake: Lake) -> None:
    assert lake.health().ok


WRITER = textwrap.dedent("""
    import sys, pyarrow as pa
    from loam.core.lake import Lake
    lake = Lake(sys.argv[1])
    batch = pa.table({"n": pa.array(range(200_000), pa.int64()), "s": ["x" * 40] * 200_000})
    i = 0
    while True:
        lake.write("big", batch, {"dt": "2024-05-01"})
        i += 1
        print(i, flush=True)
""")


def test_reader_never_sees_half_a_file_even_when_the_writer_is_killed(tmp_path: Path) -> None:
    url = str(tmp_path / "lake")
    proc = subprocess.Popen([sys.executable, "-c", WRITER, url], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # one file committed
        lake = Lake(url)
        deadline = time.monotonic() + 3
        reads = 0
        while time.monotonic() < deadline:
            table = lake.read("big", columns=["n"])  # would raise on a torn file
            assert table.num_rows % 200_000 == 0
            reads += 1
        os.kill(proc.pid, signal.SIGKILL)  # most likely in the middle of a write
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    table = Lake(url).read("big", columns=["n"])
    assert reads > 0 and table.num_rows > 0 and table.num_rows % 200_000 == 0
    leftovers = [
        p for p in (tmp_path / "lake" / "big" / "dt=2024-05-01").iterdir() if p.name.startswith(".")
    ]
    assert all(p.name.endswith(".tmp") for p in leftovers), (
        "only hidden temp files may be left behind"
    )

"""The lake: immutable Parquet files in hive-style partitions (``dt=2024-05-01/``).

A local folder by default; ``gs://``, ``s3://`` or any fsspec URL at scale.
Every file is committed atomically, so no reader ever sees half a file:
locally it is written under a hidden name (readers skip names starting with
``.`` or ``_``), flushed to disk and renamed into place; object stores make
an object visible only once its upload completes.

>>> import pyarrow as pa, datetime as dt
>>> lake = Lake("memory://doctest-lake")
>>> _ = lake.write("clicks", pa.table({"n": [1, 2]}), {"dt": "2024-05-01"})
>>> lake.read("clicks").num_rows
2
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence

import fsspec
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from loam.core.errors import BackendUnavailable, InvalidInput, NotFound
from loam.core.health import Health

HIDDEN = (".", "_")


class Lake:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        try:
            fs, root = fsspec.core.url_to_fs(self.url)
        except (ImportError, ValueError) as exc:
            raise BackendUnavailable(f"lake url {url!r}: {exc}") from exc
        self.fs: fsspec.AbstractFileSystem = fs
        self.root: str = root.rstrip("/")
        self.local = isinstance(fs, LocalFileSystem)
        self._arrow_fs: pafs.FileSystem = (
            pafs.LocalFileSystem() if self.local else pafs.PyFileSystem(pafs.FSSpecHandler(fs))
        )

    # -- writing ---------------------------------------------------------------

    def write(
        self,
        dataset: str,
        data: pa.Table,
        partition: Mapping[str, str] | None = None,
        *,
        name: str | None = None,
    ) -> str:
        """Commit ``data`` as one Parquet file; returns its path.

        ``name`` makes the write idempotent: writing the same name again replaces
        the file whole, so a retried batch never lands twice.
        """
        folder = self._folder(dataset, partition or {})
        file_name = _file_name(name)
        final = f"{folder}/{file_name}"
        self.fs.makedirs(folder, exist_ok=True)
        if self.local:
            tmp = f"{folder}/.{file_name}.{uuid.uuid4().hex}.tmp"
            try:
                with open(tmp, "wb") as fh:
                    pq.write_table(data, fh, compression="zstd")
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, final)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            _fsync_dir(folder)
        else:
            with self.fs.open(final, "wb") as fh:
                pq.write_table(data, fh, compression="zstd")
        return final

    def write_partitioned(
        self, dataset: str, data: pa.Table, by: Sequence[str], *, name: str | None = None
    ) -> list[str]:
        """Split rows by the values of columns ``by`` and commit one file per partition.

        The partition columns become folder names (``by[0]=value/...``) and leave the file.
        """
        missing = [c for c in by if c not in data.column_names]
        if missing:
            raise InvalidInput(
                f"partition column(s) {missing} not in data (columns: {data.column_names})"
            )
        if data.num_rows == 0:
            return []
        keys = pa.table({c: pc.cast(data[c], pa.string()) for c in by})
        groups = keys.group_by(list(by), use_threads=False).aggregate([])
        paths = []
        for values in groups.to_pylist():
            mask = None
            for c in by:
                cond = (
                    pc.equal(keys[c], values[c]) if values[c] is not None else pc.is_null(keys[c])
                )
                mask = cond if mask is None else pc.and_(mask, cond)
            part = data.filter(mask).drop_columns(list(by))
            partition = {c: "__null__" if values[c] is None else str(values[c]) for c in by}
            paths.append(self.write(dataset, part, partition, name=name))
        return paths

    # -- reading ---------------------------------------------------------------

    def read(
        self, dataset: str, *, filter: pc.Expression | None = None, columns: list[str] | None = None
    ) -> pa.Table:
        return self.dataset(dataset).to_table(filter=filter, columns=columns)

    def dataset(self, dataset: str) -> ds.Dataset:
        path = self._folder(dataset, {})
        if not self.fs.exists(path):
            raise NotFound(f"no dataset '{dataset}' in the lake at {self.url}")
        return ds.dataset(
            path,
            filesystem=self._arrow_fs,
            format="parquet",
            partitioning="hive",
            ignore_prefixes=list(HIDDEN),
        )

    def datasets(self) -> list[str]:
        if not self.fs.exists(self.root):
            return []
        return sorted(
            p.rstrip("/").rsplit("/", 1)[-1]
            for p in self.fs.ls(self.root, detail=False)
            if self.fs.isdir(p) and not p.rstrip("/").rsplit("/", 1)[-1].startswith(HIDDEN)
        )

    def partitions(self, dataset: str) -> list[dict[str, str]]:
        """Every partition that holds at least one committed file."""
        base = self._folder(dataset, {})
        if not self.fs.exists(base):
            return []
        found = set()
        for path in self.fs.find(base):
            rel = path[len(base) :].strip("/").split("/")
            if rel[-1].startswith(HIDDEN) or not rel[-1].endswith(".parquet"):
                continue
            found.add(tuple(tuple(seg.split("=", 1)) for seg in rel[:-1] if "=" in seg))
        return [dict(p) for p in sorted(found)]

    def health(self) -> Health:
        backend = "local" if self.local else self.url.split("://", 1)[0]
        try:
            self.fs.makedirs(self.root, exist_ok=True)
            probe = f"{self.root}/.health-{uuid.uuid4().hex}"
            self.fs.pipe(probe, b"ok")
            self.fs.rm(probe)
        except Exception as exc:
            return Health(
                "lake",
                backend,
                False,
                f"{self.url}: {exc}",
                "check the [lake] url in loam.toml and that it is writable",
            )
        return Health("lake", backend, True, self.url)

    def _folder(self, dataset: str, partition: Mapping[str, str]) -> str:
        _check_name(dataset, "dataset")
        parts = [self.root, dataset]
        for key, value in partition.items():
            _check_name(key, "partition key")
            if "/" in value or value in ("", ".", ".."):
                raise InvalidInput(f"bad partition value {value!r} for {key}")
            parts.append(f"{key}={value}")
        return "/".join(parts)


def _file_name(name: str | None) -> str:
    if name is None:
        return f"part-{uuid.uuid4().hex}.parquet"
    _check_name(name.removesuffix(".parquet"), "file name")
    return name if name.endswith(".parquet") else f"{name}.parquet"


def _check_name(value: str, what: str) -> None:
    ok = value and value[0] not in HIDDEN and all(c.isalnum() or c in "_-." for c in value)
    if not ok:
        raise InvalidInput(
            f"bad {what} {value!r}: use letters, digits, '_', '-' or '.', not starting with . or _"
        )


def _fsync_dir(folder: str) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["Lake"]

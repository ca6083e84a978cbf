"""The lake: immutable Parquet files in hive-style partitions (``dt=2024-05-01/``).

A local folder by default; ``s3://bucket/prefix`` and ``gs://bucket/prefix``
through pyarrow's own filesystems (S3 options go in the URL query, e.g.
``?endpoint_override=host:9000&scheme=http``), and any other fsspec URL
(``memory://``, …) through fsspec.

Every file is committed atomically, so no reader ever sees half a file:
locally it is written under a hidden name (readers skip names starting with
``.`` or ``_``), flushed to disk and renamed into place; object stores make
an object visible only once its upload completes.

>>> import pyarrow as pa
>>> lake = Lake("memory://doctest-lake")
>>> _ = lake.write("clicks", pa.table({"n": [1, 2]}), {"dt": "2024-05-01"})
>>> lake.read("clicks").num_rows
2
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from loam.core.errors import BackendUnavailable, InvalidInput, NotFound
from loam.core.health import Health

HIDDEN = (".", "_")


class Lake:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.fs, self.root = _filesystem(self.url)
        self.local = isinstance(self.fs, pafs.LocalFileSystem)
        self.scheme = "local" if self.local else self.url.split("://", 1)[0]

    # -- writing ---------------------------------------------------------------

    def write(
        self,
        dataset: str,
        data: pa.Table,
        partition: Mapping[str, str] | None = None,
        *,
        name: str | None = None,
        statistics: bool | Sequence[str] = True,
    ) -> str:
        """Commit ``data`` as one Parquet file; returns its path.

        ``name`` makes the write idempotent: writing the same name again replaces
        the file whole, so a retried batch never lands twice. ``statistics`` names the
        columns that get min/max statistics (all by default): a writer that knows nobody
        prunes on its text columns saves their cost (string min/max is ~20% of a write).
        """
        folder = self._folder(dataset, partition or {})
        file_name = _file_name(name)
        final = f"{folder}/{file_name}"
        try:
            if self.local:
                _write_local(folder, file_name, data, statistics)
            else:
                self.fs.create_dir(folder, recursive=True)
                with self.fs.open_output_stream(final) as out:
                    _write_parquet(data, out, statistics)
        except OSError as exc:
            raise BackendUnavailable(f"lake write to {final} failed: {exc}") from exc
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
                v = values[c]
                cond = pc.is_null(keys[c]) if v is None else pc.equal(keys[c], v)
                mask = cond if mask is None else pc.and_(mask, cond)
            part = data.filter(mask).drop_columns(list(by))
            partition = {c: "__null__" if values[c] is None else str(values[c]) for c in by}
            paths.append(self.write(dataset, part, partition, name=name))
        return paths

    # -- reading ---------------------------------------------------------------

    def read(
        self,
        dataset: str,
        *,
        filter: pc.Expression | None = None,
        columns: list[str] | None = None,
    ) -> pa.Table:
        return self.dataset(dataset).to_table(filter=filter, columns=columns)

    def dataset(self, dataset: str) -> ds.Dataset:
        path = self._folder(dataset, {})
        if self.fs.get_file_info(path).type != pafs.FileType.Directory:
            raise NotFound(f"no dataset '{dataset}' in the lake at {self.url}")
        return ds.dataset(
            path,
            filesystem=self.fs,
            format="parquet",
            partitioning="hive",
            ignore_prefixes=list(HIDDEN),
        )

    def datasets(self) -> list[str]:
        infos = self.fs.get_file_info(pafs.FileSelector(self.root, allow_not_found=True))
        return sorted(
            i.base_name
            for i in infos
            if i.type == pafs.FileType.Directory and not i.base_name.startswith(HIDDEN)
        )

    def files(self, dataset: str) -> list[str]:
        """Every committed file of a dataset, sorted by path."""
        base = self._folder(dataset, {})
        selector = pafs.FileSelector(base, recursive=True, allow_not_found=True)
        return sorted(
            i.path
            for i in self.fs.get_file_info(selector)
            if i.type == pafs.FileType.File
            and i.base_name.endswith(".parquet")
            and not i.base_name.startswith(HIDDEN)
        )

    def partitions(self, dataset: str) -> list[dict[str, str]]:
        """Every partition that holds at least one committed file."""
        base = self._folder(dataset, {})
        found: set[tuple[tuple[str, str], ...]] = set()
        for path in self.files(dataset):
            segments = path[len(base) :].strip("/").split("/")[:-1]
            pairs = (s.partition("=") for s in segments if "=" in s)
            found.add(tuple((key, value) for key, _, value in pairs))
        return [dict(p) for p in sorted(found)]

    def health(self) -> Health:
        probe = f"{self.root}/.health-{uuid.uuid4().hex}"
        try:
            self.fs.create_dir(self.root, recursive=True)
            with self.fs.open_output_stream(probe) as out:
                out.write(b"ok")
            self.fs.delete_file(probe)
        except Exception as exc:
            return Health(
                "lake",
                self.scheme,
                False,
                f"{self.url}: {str(exc).splitlines()[0]}",
                "check the [lake] url in loam.toml (LOAM_LAKE__URL) and that it is writable",
            )
        return Health("lake", self.scheme, True, self.url)

    def _folder(self, dataset: str, partition: Mapping[str, str]) -> str:
        _check_name(dataset, "dataset")
        parts = [self.root, dataset]
        for key, value in partition.items():
            _check_name(key, "partition key")
            if "/" in value or value in ("", ".", ".."):
                raise InvalidInput(f"bad partition value {value!r} for {key}")
            parts.append(f"{key}={value}")
        return "/".join(parts)


def _filesystem(url: str) -> tuple[pafs.FileSystem, str]:
    scheme = url.split("://", 1)[0] if "://" in url else "file"
    try:
        if scheme in ("file", "s3", "gs", "gcs", "hdfs"):
            if scheme == "file" and "://" not in url:
                return pafs.LocalFileSystem(), os.path.abspath(url)
            fs, root = pafs.FileSystem.from_uri(url)
            return fs, root.rstrip("/")
        import fsspec

        fsspec_fs, root = fsspec.core.url_to_fs(url)
        return pafs.PyFileSystem(pafs.FSSpecHandler(fsspec_fs)), str(root).rstrip("/")
    except (ImportError, ValueError, OSError, pa.ArrowInvalid) as exc:
        raise BackendUnavailable(f"lake url {url!r}: {exc}") from exc


def _write_parquet(data: pa.Table, out: Any, statistics: bool | Sequence[str]) -> None:
    stats = statistics if isinstance(statistics, bool) else list(statistics)
    pq.write_table(data, out, compression="zstd", write_statistics=stats)


def _write_local(
    folder: str, file_name: str, data: pa.Table, statistics: bool | Sequence[str] = True
) -> None:
    os.makedirs(folder, exist_ok=True)
    tmp = f"{folder}/.{file_name}.{uuid.uuid4().hex}.tmp"
    try:
        with open(tmp, "wb") as fh:
            _write_parquet(data, fh, statistics)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, f"{folder}/{file_name}")
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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


__all__ = ["Lake"]

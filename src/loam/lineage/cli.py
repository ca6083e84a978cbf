"""``loam lineage …``: extract, ingest, upstream, downstream, impact, tag, owner, runs."""

from __future__ import annotations

import csv
import functools
import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.tree import Tree

from loam.core.errors import LoamError
from loam.lineage.errors import LineageInputError, LineageNotFound
from loam.lineage.extract import extract as extract_sql
from loam.lineage.ingest import SOURCE_KINDS, IngestOptions
from loam.lineage.ingest import ingest as run_ingest
from loam.lineage.model import ColumnRef
from loam.lineage.runs import RunLog
from loam.lineage.service import Focus, LineageService, check_depth
from loam.lineage.store import LineageStore

app = typer.Typer(
    help="Column-level lineage from SQL query logs, and what breaks when a column changes.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
F = TypeVar("F", bound=Callable[..., Any])

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder [default: $LOAM_WORKSPACE or ./.loam]",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables")]
DepthOpt = Annotated[
    int | None, typer.Option("--depth", "-d", help="How many steps to follow [default: all]")
]


def one_line_errors(command: F) -> F:
    """A LoamError becomes one line on stderr and exit status 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except LoamError as error:
            err.print(f"[red]error:[/red] {escape(error.message)}", highlight=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _store(path: Path | None, create: bool = False) -> LineageStore:
    from loam.workspace import Workspace

    ws = Workspace.open(path, create=create)
    ws.catalog.migrate()
    return LineageStore(ws.catalog)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@app.command()
@one_line_errors
def extract(
    sql: Annotated[str, typer.Argument(help="SQL text, a .sql file, or - for stdin")],
    dialect: Annotated[str | None, typer.Option(help="sqlglot dialect, e.g. bigquery")] = None,
    default_db: Annotated[str | None, typer.Option(help="Project/database of bare tables")] = None,
    default_schema: Annotated[
        str | None, typer.Option(help="Dataset/schema of bare tables")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the column edges of a SQL text or file, without storing them."""
    text = sys.stdin.read() if sql == "-" else sql
    if sql != "-" and len(sql) < 4096 and "\n" not in sql and Path(sql).is_file():
        text = Path(sql).read_text()
    result = extract_sql(
        text, dialect=dialect, default_db=default_db, default_schema=default_schema
    )
    errors = [s.error for s in result.statements if s.error] + (
        [result.error] if result.error else []
    )
    if as_json:
        _print_json(
            {
                "edges": [
                    {
                        "downstream": str(e.downstream),
                        "upstreams": [str(u) for u in e.upstreams],
                        "kind": e.kind.value,
                        "subkind": e.subkind.value,
                        "expression": e.expression,
                        "confidence": e.confidence,
                    }
                    for e in result.edges
                ],
                "in_tables": list(result.in_tables),
                "out_tables": list(result.out_tables),
                "errors": errors,
            }
        )
    else:
        table = Table("downstream", "kind", "upstream", "expression", "conf.", title="Column edges")
        for e in result.edges:
            style = "green" if e.kind.value == "DIRECT" else "yellow"
            table.add_row(
                escape(str(e.downstream)),
                f"[{style}]{e.kind.value}[/{style}] {e.subkind.value}",
                escape(", ".join(str(u) for u in e.upstreams)),
                escape(e.expression[:80]),
                f"{e.confidence:.2f}",
            )
        console.print(table)
        for error in errors:
            err.print(f"[yellow]not parsed:[/yellow] {escape(error)}", highlight=False)
    if errors and not result.edges:
        raise typer.Exit(1)


@app.command()
@one_line_errors
def ingest(
    source: Annotated[str, typer.Argument(help=f"One of: {', '.join(SOURCE_KINDS)}")],
    path: Annotated[
        Path | None, typer.Argument(help="The file to read (events: optional definitions file)")
    ] = None,
    workspace: WorkspaceOpt = None,
    name: Annotated[
        str | None, typer.Option(help="Name of this source for incremental runs [default: kind]")
    ] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Only queries after this time [default: last run]")
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Ignore the last run's watermark")] = False,
    dialect: Annotated[str | None, typer.Option(help="Dialect of queries that name none")] = None,
    default_db: Annotated[str | None, typer.Option(help="Project/database of bare tables")] = None,
    default_schema: Annotated[
        str | None, typer.Option(help="Dataset/schema of bare tables")
    ] = None,
    dataset: Annotated[
        str | None, typer.Option(help="warehouse/events: dataset their tables live in")
    ] = None,
    processes: Annotated[
        int | None, typer.Option(help="Extraction processes [default: one per core]")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Read a query log, dbt manifest, the warehouse or the event schemas into the store."""
    from loam.workspace import Workspace

    if source not in SOURCE_KINDS:
        raise LineageInputError(f"unknown source {source!r}: use one of {', '.join(SOURCE_KINDS)}")
    ws = Workspace.open(workspace, create=True)
    store = LineageStore(ws.catalog)
    options = IngestOptions(
        name=name,
        since=since,
        full=full,
        dialect=dialect,
        default_db=default_db,
        default_schema=default_schema,
        dataset=dataset,
        processes=processes if processes is not None else (os.cpu_count() or 1),
    )
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=err, transient=True, disable=as_json) as bar:
            task = bar.add_task(f"ingest {source}", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = run_ingest(
                store, source, path, options=options, workspace=ws, progress=progress
            )
    finally:
        ws.close()
    if as_json:
        _print_json(report.as_dict())
        return
    table = Table(
        title=f"Ingested {source} ({report.name}) in {report.seconds:.1f} s", show_header=False
    )
    table.add_row("read", str(report.read))
    table.add_row("kept", str(report.kept))
    if report.duplicates:
        table.add_row("duplicates", str(report.duplicates))
    for reason, count in sorted(report.skipped.items()):
        table.add_row(f"skipped: {reason}", str(count))
    table.add_row("edges written", str(report.edges))
    for label, value in (
        ("columns", report.columns),
        ("owners", report.owners),
        ("tags", report.tags),
    ):
        if value:
            table.add_row(label, str(value))
    table.add_row("not parsed", str(report.failed))
    if report.since:
        table.add_row("since", report.since.isoformat())
    if report.watermark:
        table.add_row("watermark", report.watermark.isoformat())
    console.print(table)
    for query_id, reason in report.errors[:5]:
        err.print(
            f"[yellow]not parsed[/yellow] {escape(query_id)}: {escape(reason)}", highlight=False
        )


def _tree(service: LineageService, focus: Focus, upstream: bool, depth: int | None) -> Tree:
    owners = service.store.owners()
    tags, _ = service.tag_map()

    def label(ref: ColumnRef) -> str:
        text = f"[bold]{escape(ref.table or '?')}[/bold].{escape(ref.column)}"
        if "pii" in tags.get(ref, ()):
            text += " [red]PII[/red]"
        owner = owners.get(ref.table or "")
        return text + (f" [dim]({escape(owner)})[/dim]" if owner else "")

    def grow(node: Tree, ref: ColumnRef, level: int, path: set[ColumnRef]) -> None:
        if (depth is not None and level >= depth) or ref not in service.graph:
            return
        walk = service.graph.upstream if upstream else service.graph.downstream
        for nxt in sorted(walk(ref, 1), key=str):
            if nxt in path:
                node.add(label(nxt) + " [dim](cycle)[/dim]")
                continue
            grow(node.add(label(nxt)), nxt, level + 1, path | {nxt})

    root = Tree(f"[bold]{escape(str(focus))}[/bold] {'upstream' if upstream else 'downstream'}")
    if focus.column is not None:
        grow(root, focus.ref, 0, {focus.ref})
    else:
        for name, _ in service.store.columns_of(focus.table) or []:
            ref = ColumnRef(focus.table, name)
            if ref in service.graph:
                grow(root.add(label(ref)), ref, 0, {ref})
    return root


def _walk(
    name: str,
    workspace: Path | None,
    depth: int | None,
    direct: bool,
    as_json: bool,
    upstream: bool,
) -> None:
    check_depth(depth)
    service = LineageService(_store(workspace))
    focus = service.resolve(name)
    if as_json:
        _print_json(service.walk(focus, upstream, depth, direct))
        return
    console.print(_tree(service, focus, upstream, depth))


@app.command()
@one_line_errors
def upstream(
    name: Annotated[str, typer.Argument(help="table or table.column")],
    workspace: WorkspaceOpt = None,
    depth: DepthOpt = None,
    direct_only: Annotated[bool, typer.Option("--direct-only", help="Only value flows")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Where a column (or every column of a table) comes from."""
    _walk(name, workspace, depth, direct_only, as_json, upstream=True)


@app.command()
@one_line_errors
def downstream(
    name: Annotated[str, typer.Argument(help="table or table.column")],
    workspace: WorkspaceOpt = None,
    depth: DepthOpt = None,
    direct_only: Annotated[bool, typer.Option("--direct-only", help="Only value flows")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Every column computed from a column (or from a table's columns)."""
    _walk(name, workspace, depth, direct_only, as_json, upstream=False)


@app.command()
@one_line_errors
def impact(
    name: Annotated[str, typer.Argument(help="table.column (or a table: all its columns)")],
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What breaks if this column is dropped or changed: columns, tables, owners, queries."""
    service = LineageService(_store(workspace))
    focus = service.resolve(name)
    report = service.impact(focus)
    if as_json:
        _print_json(report)
        return
    if not report["columns"]:
        console.print(
            f"Nothing downstream reads {escape(str(focus))}: dropping it breaks no known query."
        )
        return
    columns = Table(
        "depth", "column", "flow", "owner", "PII", title=f"Impact of {escape(str(focus))}"
    )
    for c in report["columns"]:
        flow = "[green]value[/green]" if c["direct"] else "[yellow]influence[/yellow]"
        columns.add_row(
            str(c["depth"]),
            escape(f"{c['table']}.{c['column']}"),
            flow,
            escape(c["owner"] or "-"),
            "[red]yes[/red]" if c["pii"] else "",
        )
    console.print(columns)
    owners = Table("owner", "tables", "queries run by", title="Who to tell")
    written = {t["name"]: t["written_by"] for t in report["tables"]}
    for entry in report["owners"]:
        users = dict.fromkeys(u for t in entry["tables"] for u in written.get(t, []))
        owners.add_row(
            escape(entry["owner"]), escape(", ".join(entry["tables"])), escape(", ".join(users))
        )
    console.print(owners)
    queries = Table("query", "user", "last seen", "runs", "SQL", title="Queries that read it")
    for q in report["queries"][:20]:
        queries.add_row(
            escape(q["query_id"]),
            escape(q["user"] or "-"),
            q["last_seen"][:19],
            str(q["runs"]),
            escape(" ".join(q["sql"].split())[:70]),
        )
    console.print(queries)


@app.command()
@one_line_errors
def tag(
    name: Annotated[
        str | None, typer.Argument(help="table.column to tag; none: list tagged")
    ] = None,
    tags: Annotated[list[str] | None, typer.Argument(help="Tags to set, e.g. pii")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the tags instead")] = False,
    only: Annotated[str | None, typer.Option("--tag", help="List only this tag")] = None,
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Tag a column (PII follows DIRECT edges downstream), or list every tagged column."""
    store = _store(workspace)
    service = LineageService(store)
    if name is not None:
        if not tags:
            raise LineageInputError("name at least one tag, e.g. `loam lineage tag t.email pii`")
        ref = service.resolve(name).ref
        for value in tags:
            changed = store.untag(ref, value) if remove else store.tag(ref, value.strip().lower())
            verb = (
                ("removed" if changed else "was not set")
                if remove
                else ("set" if changed else "already set")
            )
            console.print(f"{escape(value)} {verb} on {escape(str(ref))}")
        service = LineageService(store)
        if remove:
            return
        only = only or tags[0]
    rows = service.tagged(only)
    if as_json:
        _print_json(rows)
        return
    table = Table("column", "tags", "how", "owner", title="Tagged columns")
    for row in rows:
        how = "set" if row["set_here"] else "[dim]reached through DIRECT edges[/dim]"
        table.add_row(
            escape(row["id"]), escape(", ".join(row["tags"])), how, escape(row["owner"] or "-")
        )
    console.print(table)


def _owners_file(path: Path) -> list[tuple[str, str]]:
    """``table,owner`` rows of a CSV file, or a JSON object ``{table: owner}``."""
    if not path.is_file():
        raise LineageInputError(f"owners file {path} does not exist")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text())
        except json.JSONDecodeError as error:
            raise LineageInputError(f"{path}: not valid JSON: {error.msg}") from error
        if not isinstance(data, dict):
            raise LineageInputError(f'{path}: expected an object {{"table": "owner", ...}}')
        return [(str(t), str(o)) for t, o in data.items()]
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if rows and not {"table", "owner"} <= set(rows[0]):
        raise LineageInputError(f"{path}: the CSV needs 'table' and 'owner' columns")
    return [(r["table"].strip(), r["owner"].strip()) for r in rows if r["table"] and r["owner"]]


@app.command()
@one_line_errors
def owner(
    table: Annotated[str | None, typer.Argument(help="Table; none: list owners")] = None,
    who: Annotated[str | None, typer.Argument(help="Owner (team or e-mail)")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="CSV (table,owner) or JSON {table: owner}")
    ] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Set who owns a table (impact analysis names them), or list owners."""
    store = _store(workspace)
    service = LineageService(store)
    pairs = _owners_file(file) if file is not None else []
    if table is not None:
        if not who:
            raise LineageInputError("name the owner: `loam lineage owner TABLE OWNER`")
        pairs.append((table, who))
    for name, owner_name in pairs:
        try:
            resolved = service.resolve_table(name)
        except LineageNotFound:
            resolved = name  # not seen yet: kept as written for later ingestions
            err.print(f"[yellow]note:[/yellow] {escape(name)} is not in the store yet")
        store.set_owner(resolved, owner_name)
        console.print(f"{escape(resolved)} is owned by {escape(owner_name)}")
    if pairs:
        return
    listing = Table("table", "owner", title="Owners")
    for name, owner_name in sorted(store.owners().items()):
        listing.add_row(escape(name), escape(owner_name))
    console.print(listing)


@app.command()
@one_line_errors
def runs(workspace: WorkspaceOpt = None, as_json: JsonOpt = False) -> None:
    """The last ingestion runs, with the watermark the next run starts from."""
    found = RunLog(_store(workspace).catalog).list()
    if as_json:
        _print_json([r.as_dict() for r in found])
        return
    table = Table("id", "source", "name", "started", "status", "edges", "watermark", title="Runs")
    for r in found:
        table.add_row(
            str(r.id),
            r.source,
            escape(r.name),
            f"{r.started_at:%Y-%m-%d %H:%M:%S}",
            r.status if r.status == "ok" else f"[red]{escape(r.status)}[/red]",
            str(r.stats.get("edges", "")),
            r.watermark.isoformat() if r.watermark else "-",
        )
    console.print(table)

"""``loam events …``: the registry from the command line, taking and giving YAML or JSON."""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from loam.events import registry
from loam.events.diff import classify, describe
from loam.events.errors import EventsError
from loam.events.files import EXPORT_FORMATS, dump_yaml, render
from loam.events.importers import ImportFormat, import_definition, name_from_path, parse_text
from loam.events.store import EventRegistry
from loam.events.validate import definition_problems
from loam.events.versions import Bump

app = typer.Typer(
    help="Event Center: define, version, search, export and sync event schemas.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder [default: $LOAM_WORKSPACE or ./.loam]",
        show_default=False,
    ),
]
AuthorOpt = Annotated[
    str | None,
    typer.Option(
        help="Who makes the change [default: $LOAM_USER or the login name]", show_default=False
    ),
]
MessageOpt = Annotated[str, typer.Option("--message", "-m", help="Why the change is made")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, yaml or json")]
BumpOpt = Annotated[
    str, typer.Option(help="auto, addition, revision or model (a breaking change needs model)")
]
TeamOpt = Annotated[str | None, typer.Option(help="Only events owned by this team")]
ServiceOpt = Annotated[str | None, typer.Option(help="Only events of this service")]
StatusOpt = Annotated[str | None, typer.Option(help="draft, active or deprecated")]
TagOpt = Annotated[str | None, typer.Option(help="Only events with this tag")]
ParamOpt = Annotated[str | None, typer.Option(help="Only events using this parameter name")]


def _registry(path: Path | None) -> EventRegistry:
    from loam.workspace import Workspace

    return registry(Workspace.open(path))


def _author(author: str | None) -> str:
    return author or os.environ.get("LOAM_USER") or getpass.getuser()


def _bump(value: str) -> Bump:
    if value not in ("auto", "addition", "revision", "model"):
        raise EventsError(f"--bump {value!r}: expected auto, addition, revision or model")
    return value  # type: ignore[return-value]


def _read(path: Path) -> Any:
    if str(path) == "-":
        return parse_text(sys.stdin.read(), "stdin")
    try:
        text = path.read_text()
    except OSError as exc:
        raise EventsError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_text(text, str(path))


def _emit(data: Any, fmt: str) -> None:
    if fmt == "json":
        out.print(json.dumps(data, indent=2, ensure_ascii=False, default=str), markup=False)
    else:
        out.print(dump_yaml(data).rstrip(), markup=False)


def _report_save(result: Any) -> None:
    v = result.version
    if not result.changed:
        out.print(f"{v.name}: unchanged, still version {v.version}")
        return
    what = "registered" if result.created else f"saved ({v.classification})"
    out.print(f"{v.name} {v.version} {what}")
    for change in v.changes:
        out.print(f"  - {change['message']} ({change['impact']})", markup=False)
    if result.git:
        if result.git.get("ok"):
            sha = result.git.get("commit")
            pushed = ", pushed" if result.git.get("pushed") else ""
            out.print(f"  git: {'commit ' + sha[:10] + pushed if sha else 'no change'}")
        else:
            err.print(f"[yellow]warning:[/yellow] git sync failed: {escape(result.git['error'])}")


@app.command()
def create(
    file: Annotated[Path, typer.Argument(help="Definition in YAML or JSON ('-' for stdin)")],
    message: MessageOpt = "",
    author: AuthorOpt = None,
    allow_similar: Annotated[
        bool, typer.Option(help="Save even if a near-duplicate exists")
    ] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """Register a new event (version 1-0-0)."""
    reg = _registry(workspace)
    result = reg.save(
        _read(file),
        author=_author(author),
        message=message,
        allow_similar=allow_similar,
        create_only=True,
    )
    _report_save(result)


@app.command()
def edit(
    file: Annotated[Path, typer.Argument(help="The full new definition, YAML or JSON")],
    bump: BumpOpt = "auto",
    base_version: Annotated[
        str | None, typer.Option(help="Refuse if the event moved past this")
    ] = None,
    message: MessageOpt = "",
    author: AuthorOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Save a changed definition as a new version (breaking changes need --bump model)."""
    reg = _registry(workspace)
    data = _read(file)
    name = data.get("name") if isinstance(data, dict) else None
    if name:
        reg.get(str(name))
    result = reg.save(
        data, author=_author(author), message=message, bump=_bump(bump), base_version=base_version
    )
    _report_save(result)


@app.command()
def validate(
    name: Annotated[str | None, typer.Argument(help="An event name to check")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="A definition to check")] = None,
    bump: BumpOpt = "auto",
    workspace: WorkspaceOpt = None,
) -> None:
    """Check a name or a whole definition without saving; exit 1 if anything is wrong."""
    reg = _registry(workspace)
    if (name is None) == (file is None):
        raise EventsError("give either an event NAME or --file DEFINITION")
    if name is not None:
        report = reg.check_name(name)
        for p in report.problems:
            hint = f" (suggestion: {p.suggestion})" if p.suggestion else ""
            out.print(f"[red]✗[/red] {escape(p.where)}: {escape(p.message)}{escape(hint)}")
        if report.suggestion:
            out.print(f"  did you mean [bold]{escape(report.suggestion)}[/bold]?")
        if report.valid:
            parts = report.parts or {}
            out.print(
                f"[green]✓[/green] {name}: action={parts.get('action')} "
                f"object={parts.get('object')} service={parts.get('service')}"
            )
        for d in report.near_duplicates:
            out.print(f"[yellow]![/yellow] near-duplicate: {escape(d.reason)}")
        if not report.valid or report.near_duplicates:
            raise typer.Exit(1)
        return
    assert file is not None
    from loam.events.model import parse_definition

    definition = parse_definition(_read(file))
    problems = definition_problems(definition, reg.settings.naming)
    for p in problems:
        hint = f" (suggestion: {p.suggestion})" if p.suggestion else ""
        out.print(f"[red]✗[/red] {escape(p.where)}: {escape(p.message)}{escape(hint)}")
    if problems:
        raise typer.Exit(1)
    plan = reg.plan(definition, _bump(bump))
    if not plan.exists:
        out.print(f"[green]✓[/green] {definition.name} is valid; saving registers {plan.version}")
        return
    out.print(f"[green]✓[/green] {definition.name} is valid; change is {plan.classification}")
    out.print(describe(plan.changes), markup=False)
    if plan.version:
        out.print(f"saving makes version {plan.version} (now {plan.current})")
    else:
        out.print(f"[yellow]{escape(plan.refusal or '')}[/yellow]")


@app.command("list")
def list_events(
    team: TeamOpt = None,
    service: ServiceOpt = None,
    status: StatusOpt = None,
    tag: TagOpt = None,
    param: ParamOpt = None,
    format: FormatOpt = "table",
    workspace: WorkspaceOpt = None,
) -> None:
    """List events, optionally only a team's, a service's, a status, a tag or a parameter's."""
    reg = _registry(workspace)
    hits = reg.search(
        "", limit=100_000, team=team, service=service, status=status, tag=tag, param=param
    )
    _print_hits([h.as_dict() for h in hits], format)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to look for (the last may be a prefix)")],
    team: TeamOpt = None,
    service: ServiceOpt = None,
    status: StatusOpt = None,
    tag: TagOpt = None,
    param: ParamOpt = None,
    limit: Annotated[int, typer.Option(help="At most this many results")] = 20,
    format: FormatOpt = "table",
    workspace: WorkspaceOpt = None,
) -> None:
    """Search the dictionary: names, descriptions, parameters, owners and tags, best first."""
    reg = _registry(workspace)
    hits = reg.search(
        query, limit=limit, team=team, service=service, status=status, tag=tag, param=param
    )
    _print_hits([h.as_dict() for h in hits], format)


def _print_hits(rows: list[dict[str, Any]], fmt: str) -> None:
    if fmt in ("json", "yaml"):
        _emit(rows, fmt)
        return
    if not rows:
        out.print("no events found")
        return
    table = Table("name", "version", "owner", "service", "status", "description")
    for r in rows:
        table.add_row(
            r["name"],
            r["version"],
            r["owner"],
            r["service"],
            r["status"],
            escape(r["description"][:60]),
        )
    out.print(table)


@app.command()
def show(
    name: str,
    version: Annotated[
        str | None, typer.Option(help="A version such as 1-0-2 [default: current]")
    ] = None,
    versions: Annotated[
        bool, typer.Option("--versions", help="List every version instead")
    ] = False,
    format: Annotated[str, typer.Option("--format", "-f", help="yaml or json")] = "yaml",
    workspace: WorkspaceOpt = None,
) -> None:
    """Print an event's definition (or its version history) as YAML or JSON."""
    reg = _registry(workspace)
    if versions:
        rows = [
            {
                k: v.as_dict()[k]
                for k in ("version", "classification", "author", "message", "created_at")
            }
            for v in reg.versions(name)
        ]
        _emit(rows, format)
        return
    found = reg.get(name, version)
    if format == "json":
        _emit(found.definition.to_data(), "json")
    else:
        out.print(render(found.definition, found.version, "yaml").rstrip(), markup=False)


@app.command()
def history(
    name: str,
    format: FormatOpt = "table",
    workspace: WorkspaceOpt = None,
) -> None:
    """The audit trail of an event: who changed it, when, and what."""
    from loam.core.audit import history as audit_history

    reg = _registry(workspace)
    reg.get(name)
    with reg.catalog.begin() as conn:
        entries = audit_history(conn, target=f"event:{name}")
    rows: list[dict[str, Any]] = [
        {
            "at": e.at.isoformat(timespec="seconds"),
            "actor": e.actor,
            "action": e.action,
            "detail": e.detail,
        }
        for e in entries
    ]
    if format in ("json", "yaml"):
        _emit(rows, format)
        return
    table = Table("at", "who", "action", "version", "what")
    for r in rows:
        d = r["detail"]
        what = d.get("message") or "; ".join(d.get("changes", []))
        table.add_row(r["at"], r["actor"], r["action"], str(d.get("version", "")), escape(what))
    out.print(table)


@app.command()
def diff(
    name: str,
    old: Annotated[str, typer.Argument(help="From this version")],
    new: Annotated[str | None, typer.Argument(help="To this version [default: current]")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text, yaml or json")] = "text",
    workspace: WorkspaceOpt = None,
) -> None:
    """What changed between two versions, and whether it is breaking."""
    reg = _registry(workspace)
    changes = reg.diff(name, old, new)
    to = new or reg.get(name).version
    if format == "text":
        out.print(f"{name} {old} -> {to}: {classify(changes)}", markup=False)
        out.print(describe(changes), markup=False)
    else:
        _emit(
            {
                "name": name,
                "from": old,
                "to": to,
                "classification": classify(changes),
                "changes": [c.as_dict() for c in changes],
            },
            format,
        )


@app.command()
def export(
    name: str,
    format: Annotated[
        str, typer.Option("--format", "-f", help=", ".join(EXPORT_FORMATS))
    ] = "spark",
    version: Annotated[str | None, typer.Option(help="A version [default: current]")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Print (or write) a version as Spark StructType JSON, BigQuery schema or JSON Schema."""
    if format not in EXPORT_FORMATS:
        raise EventsError(f"--format {format!r}: expected one of {', '.join(EXPORT_FORMATS)}")
    reg = _registry(workspace)
    found = reg.get(name, version)
    text = render(
        found.definition, found.version, format, policy_tag=reg.settings.bigquery_policy_tag
    )
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        output.write_text(text)
        err.print(f"wrote {output}")


@app.command("import")
def import_files(
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders of Spark / JSON Schema / YAML")
    ],
    format: Annotated[
        str, typer.Option("--format", "-f", help="auto, spark, jsonschema or definition")
    ] = "auto",
    name: Annotated[
        str | None, typer.Option(help="Event name [default: from the file or folder name]")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Owner team for imported events")] = None,
    service: Annotated[str | None, typer.Option(help="Service for imported events")] = None,
    bump: BumpOpt = "auto",
    allow_similar: Annotated[bool, typer.Option(help="Import even near-duplicate names")] = False,
    message: MessageOpt = "",
    author: AuthorOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Bring events from the old Git-and-JSON workflow: Spark StructType or JSON Schema files."""
    if format not in ("auto", "spark", "jsonschema", "definition"):
        raise EventsError(f"--format {format!r}: expected auto, spark, jsonschema or definition")
    reg = _registry(workspace)
    files = _collect(paths)
    if name and len(files) > 1:
        raise EventsError("--name only makes sense with one file")
    for path in files:
        fmt: ImportFormat = format  # type: ignore[assignment]
        definition = import_definition(
            _read(path),
            fmt=fmt,
            name=name or name_from_path(path),
            overrides={"owner": owner, "service": service},
        )
        result = reg.save(
            definition,
            author=_author(author),
            message=message or f"imported {path}",
            bump=_bump(bump),
            allow_similar=allow_similar,
            action="import",
        )
        _report_save(result)


_PREFERENCE = {"event.yaml": 0, "event.yml": 0, "jsonschema.json": 1, "spark.json": 2}


def _collect(paths: list[Path]) -> list[Path]:
    """Files to import; in a generated folder, the richest file of each event only."""
    chosen: dict[str, Path] = {}
    for path in paths:
        if not path.exists() and str(path) != "-":
            raise EventsError(f"{path}: no such file or folder")
        found = (
            sorted(
                p
                for p in path.rglob("*")
                if p.suffix in (".json", ".yaml", ".yml") and p.name != "bigquery.json"
            )
            if path.is_dir()
            else [path]
        )
        for f in found:
            key = name_from_path(f) if path.is_dir() else str(f)
            best = chosen.get(key)
            if best is None or _PREFERENCE.get(f.name, 3) < _PREFERENCE.get(best.name, 3):
                chosen[key] = f
    return list(chosen.values())


@app.command()
def sync(
    message: MessageOpt = "",
    author: AuthorOpt = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Write every event's files into the Git working copy, commit, and push if a remote is set."""
    reg = _registry(workspace)
    result = reg.sync(author=_author(author), message=message)
    if result.commit is None:
        out.print("git: nothing changed, no commit")
        return
    pushed = " and pushed" if result.pushed else ""
    again = f" after {result.push_attempts - 1} rebase(s)" if result.push_attempts > 1 else ""
    out.print(f"git: commit {result.commit[:10]}{pushed}{again} ({len(result.files)} files)")

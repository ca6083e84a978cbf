"""``loam events`` commands of the pipeline: keys, process, load, stats, generate, replay."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="The event collection pipeline.", no_args_is_help=True)
keys_app = typer.Typer(help="Write keys of the collector, one per source.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
console = Console(soft_wrap=True)

WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder [default: $LOAM_WORKSPACE or ./.loam]",
        show_default=False,
    ),
]


def _runtime(workspace: Path | None, create: bool = False) -> Any:
    from loam.events.pipeline.runtime import PipelineRuntime
    from loam.workspace import Workspace

    return PipelineRuntime(Workspace.open(workspace, create=create))


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()

    def handler(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


@keys_app.command("create")
def keys_create(source: str, workspace: WorkspaceOpt = None) -> None:
    """Make a write key for SOURCE; it is printed once and only its hash is kept."""
    console.print(_runtime(workspace, create=True).keys.create(source))


@keys_app.command("list")
def keys_list(workspace: WorkspaceOpt = None) -> None:
    """List write keys (never their secrets)."""
    table = Table("id", "source", "prefix", "created", "revoked")
    for k in _runtime(workspace).keys.list():
        table.add_row(
            str(k.id),
            k.source,
            k.prefix + "…",
            f"{k.created_at:%Y-%m-%d %H:%M}",
            "yes" if k.revoked else "",
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: int, workspace: WorkspaceOpt = None) -> None:
    """Revoke a write key by id."""
    _runtime(workspace).keys.revoke(key_id)
    console.print(f"write key {key_id} revoked")


@app.command("process")
def process(
    workspace: WorkspaceOpt = None,
    until_idle: Annotated[bool, typer.Option(help="Stop once the bus is drained")] = False,
) -> None:
    """Run a processor (a consumer-group member): bus -> lake, until stopped."""
    import gc

    gc.set_threshold(200_000, 50, 100)  # batches allocate many short-lived dicts
    runtime = _runtime(workspace)
    stop = _stop_on_signals()
    processor = runtime.processor()
    try:
        processor.run(stop, until_idle=until_idle)
    finally:
        processor.close()


@app.command("load")
def load(
    workspace: WorkspaceOpt = None,
    follow: Annotated[bool, typer.Option(help="Keep loading new files until stopped")] = False,
) -> None:
    """Load lake files into the warehouse (when no `loam up` holds it)."""
    runtime = _runtime(workspace)
    if follow:
        runtime.loader.run(_stop_on_signals())
        return
    r = runtime.loader.load_all()
    console.print(
        f"{r.files} file(s): {r.loaded} row(s) loaded, {r.natural_duplicates} natural and "
        f"{r.synthetic_duplicates} synthetic duplicate(s), {r.quarantined} quarantined"
    )


@app.command("stats")
def stats(
    workspace: WorkspaceOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Accepted, quarantined by reason, duplicates, lag and rows loaded."""
    from loam.events.pipeline.stats import pipeline_stats

    data = pipeline_stats(_runtime(workspace))
    if as_json:
        sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    console.print(f"accepted    {data['accepted']}")
    console.print(f"loaded      {data['loaded']['total']}")
    for table, n in data["loaded"]["by_table"].items():
        console.print(f"  {table:<30} {n}")
    console.print(
        f"duplicates  natural {data['duplicates']['natural']}, synthetic {data['duplicates']['synthetic']}"
    )
    console.print(
        f"quarantined {data['quarantined']['total']} (replayed {data['quarantined']['replayed']})"
    )
    for rule, n in data["quarantined"]["by_rule"].items():
        console.print(f"  {rule:<30} {n}")
    console.print(
        f"lag         {data['lag']['total']} message(s); files waiting {data['files_waiting']}"
    )


@app.command("replay")
def replay(
    workspace: WorkspaceOpt = None,
    event: Annotated[str | None, typer.Option(help="Only this event name")] = None,
) -> None:
    """Re-check quarantined events against today's schemas; send those that pass."""
    from loam.events.pipeline.quarantine import replay as run_replay

    runtime = _runtime(workspace)
    r = run_replay(runtime, event)
    console.print(
        f"{r.considered} considered: {r.replayed} replayed, {r.still_invalid} still invalid"
    )
    for p in r.problems[:10]:
        console.print(f"  {p['event_name']}: {p['path']}: {p['message']}")
    runtime.collector.close()


@app.command("generate")
def generate(
    workspace: WorkspaceOpt = None,
    users: Annotated[int, typer.Option(help="Users")] = 1000,
    days: Annotated[int, typer.Option(help="Days, ending today")] = 7,
    sessions: Annotated[float, typer.Option(help="Sessions per user per day")] = 1.5,
    events_per_session: Annotated[int, typer.Option(help="Events per session")] = 8,
    invalid: Annotated[float, typer.Option(help="Share of invalid events (0-1)")] = 0.0,
    duplicates: Annotated[float, typer.Option(help="Share of natural duplicates (0-1)")] = 0.0,
    synthetic: Annotated[float, typer.Option(help="Share of synthetic duplicates (0-1)")] = 0.0,
    event: Annotated[
        list[str] | None, typer.Option(help="Only these events (default: all active)")
    ] = None,
    url: Annotated[
        str | None, typer.Option(help="Collector URL (default: straight onto the bus)")
    ] = None,
    write_key: Annotated[str | None, typer.Option(help="Write key for --url")] = None,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """Send synthetic traffic built from the registered schemas."""
    from datetime import UTC, datetime, timedelta

    from loam.events.pipeline.generator import TrafficPlan, generate_traffic
    from loam.events.pipeline.schemas import active_names
    from loam.events.pipeline.traffic import HttpSender, send_direct

    runtime = _runtime(workspace, create=True)
    names = event or active_names(runtime.schemas)
    schemas = [s for n in names if (s := runtime.schemas.active(n)) is not None]
    start = (datetime.now(UTC) - timedelta(days=days - 1)).date()
    plan = TrafficPlan(
        users=users,
        days=days,
        sessions_per_day=sessions,
        events_per_session=events_per_session,
        invalid_share=invalid,
        natural_duplicate_share=duplicates,
        synthetic_duplicate_share=synthetic,
        start=start,
        seed=seed,
    )
    traffic = generate_traffic(schemas, plan)
    if url:
        if not write_key:
            raise typer.BadParameter("--url needs --write-key (`loam events keys create SOURCE`)")
        report = HttpSender(url, write_key).send(traffic)
    else:
        report = send_direct(runtime.collector, traffic, "generator")
        runtime.collector.close()
    if as_json:
        out: dict[str, Any] = {"requests": report.requests, "accepted": report.accepted}
        out |= {"quarantined": report.quarantined, "planned": plan.expected}
        sys.stdout.write(orjson.dumps(out).decode() + "\n")
        return
    console.print(
        f"sent {sum(plan.expected.values())} event(s) in {report.requests} request(s): "
        f"{report.accepted} accepted, {report.quarantined} quarantined "
        f"(planned: {plan.expected})"
    )


@app.command("publish-schema")
def publish_schema(
    name: str,
    version: str,
    schema_file: Path,
    workspace: WorkspaceOpt = None,
) -> None:
    """Publish a params JSON Schema for NAME VERSION in the workspace's schema folder
    (for workspaces without the Event Center registry)."""
    runtime = _runtime(workspace, create=True)
    runtime.folder_schemas.write(name, version, orjson.loads(schema_file.read_bytes()))
    console.print(f"{name} {version} is now active")


if __name__ == "__main__":
    app()

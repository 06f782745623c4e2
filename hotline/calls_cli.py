"""`hotline calls export` / `hotline calls import`: call history in and out as JSON lines
(calls/transfer.py). A progress bar is drawn only on a terminal."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from callrecords.store import CallStore
from calls.transfer import check_file, export_calls, import_checked
from settings import ConfigError, Settings, load_settings

app = typer.Typer(help="Call history: export and import call records (JSON lines).",
                  no_args_is_help=True, rich_markup_mode=None)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", metavar="FILE",
                              help="TOML file (default: embedded defaults)")]


def _settings(config: Path | None) -> Settings:
    try:
        return load_settings(config)
    except ConfigError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from e


def _when(text: str | None, zone: ZoneInfo, option: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as e:
        typer.echo(f"{option}: {text!r} is not an ISO 8601 time", err=True)
        raise typer.Exit(2) from e
    return value if value.tzinfo else value.replace(tzinfo=zone)


@app.command("export")
def export(config: ConfigOption = None,
           since: Annotated[str | None, typer.Option(
               metavar="TIME",
               help="calls started at or after this ISO time (company zone if no offset)")
           ] = None,
           until: Annotated[str | None, typer.Option(
               metavar="TIME",
               help="calls started before this ISO time (company zone if no offset)")] = None,
           output: Annotated[Path | None, typer.Option(
               "--output", "-o", metavar="FILE",
               help="file to write (default: standard output)")] = None,
           masked: Annotated[bool, typer.Option(
               "--masked",
               help="customers' numbers and names masked (R26), e.g. for a file leaving the "
                    "centre; an export without it is a backup and keeps them")] = False,
           ) -> None:
    """Write call records as JSON lines, each in the shape GET /calls/{id} returns."""
    settings = _settings(config)
    zone = ZoneInfo(settings.company.timezone)
    start, end = _when(since, zone, "--since"), _when(until, zone, "--until")
    store = CallStore(settings.storage.database_url)
    store.migrate()
    if output is None:
        count = export_calls(store, sys.stdout, zone, start, end, masked)
    else:
        with output.open("w", encoding="utf-8") as out:
            count = export_calls(store, out, zone, start, end, masked)
    typer.echo(f"exported {count} calls", err=True)


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, metavar="FILE",
                                                 hidden=True)],
            config: ConfigOption = None) -> None:
    """Import the call records of FILE (JSON lines, as `calls export` writes); all or
    nothing, idempotent by linkedid."""
    settings = _settings(config)
    store = CallStore(settings.storage.database_url)
    store.migrate()
    size = file.stat().st_size
    zone = ZoneInfo(settings.company.timezone)
    recordings = Path(settings.storage.recordings_dir).resolve()
    # click draws the bar only when stderr is a terminal; otherwise it prints the label once.
    with typer.progressbar(length=size, label="checking ", file=sys.stderr) as bar:
        report = check_file(file, bar.update)
    if report.errors:
        for error in report.errors:
            typer.echo(str(error), err=True)
        typer.echo(f"{file}: {len(report.errors)} problem(s) in {report.lines} lines; "
                   "nothing imported", err=True)
        raise typer.Exit(1)
    with typer.progressbar(length=size, label="importing", file=sys.stderr) as bar:
        import_checked(store, file, recordings, zone, report, bar.update)
    typer.echo(f"imported {report.imported} calls ({report.recordings} recordings), "
               f"{report.already_stored} already stored", err=True)

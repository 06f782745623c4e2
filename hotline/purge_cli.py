"""`hotline purge [--dry-run]`: the retention purge (hotline/retention.py) now, from the
command line; the service runs the same purge daily at `[retention] purge_at`. A real purge
goes to the access log (action retention.purge, client `cli`, the operating-system user)."""

from __future__ import annotations

import getpass
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from callrecords.store import CallStore
from domain.clock import system_clock
from domain.retention import RetentionKind
from hotline.retention import PurgePlan, Purger
from pbx.layout import Instance
from settings import ConfigError, load_settings

SHOWN = 20  # ids printed per kind; the access log keeps them all


def _line(plan: PurgePlan, kind: RetentionKind, days: int, zone: ZoneInfo) -> str:
    before = plan.cutoffs[kind]
    if before is None:
        return f"{kind.value:<14} kept forever"
    ids = plan.ids.get(kind, [])
    what = "entries" if kind == RetentionKind.AUDIT else (
        "tickets" if kind == RetentionKind.TICKETS else "calls")
    shown = ", ".join(map(str, ids[:SHOWN])) + (", ..." if len(ids) > SHOWN else "")
    when = before.astimezone(zone).isoformat(timespec="minutes")
    return (f"{kind.value:<14} {days} days, before {when}: {plan.counts[kind.value]}"
            + (f" ({what} {shown})" if ids else ""))


def report(plan: PurgePlan, days: dict[RetentionKind, int], zone: ZoneInfo,
           dry_run: bool) -> str:
    head = "would remove (dry run, nothing removed):" if dry_run else "removed:"
    lines = [head] + [_line(plan, k, days[k], zone) for k in RetentionKind]
    for reason, ids in plan.held.items():
        if ids:
            shown = ", ".join(map(str, ids[:SHOWN])) + (", ..." if len(ids) > SHOWN else "")
            lines.append(f"kept, {reason.replace('_', ' ')}: {len(ids)} calls ({shown})")
    return "\n".join(lines)


def purge(config: Annotated[Path | None, typer.Option(
              "--config", "-c", metavar="FILE", help="TOML file (default: embedded defaults)")
          ] = None,
          dry_run: Annotated[bool, typer.Option(
              "--dry-run", help="show what would be removed now; remove nothing")] = False,
          ) -> None:
    """Remove what [retention] says has expired (recordings, call records, closed tickets,
    access log entries, Asterisk's channel events), except what an open ticket or a draft QA
    review holds."""
    try:
        settings = load_settings(config)
    except ConfigError as e:
        typer.echo(f"hotline: {e}; fix it and run again", err=True)
        raise typer.Exit(2) from e
    zone = ZoneInfo(settings.company.timezone)
    store = CallStore(settings.storage.database_url)
    store.migrate()
    purger = Purger(store, Path(settings.storage.recordings_dir), settings.retention,
                    Instance.of(settings).cel)
    days = {k: purger.days(k) for k in RetentionKind}
    if not purger.enabled:
        typer.echo("nothing to purge: every [retention] kind is kept forever (0 days)")
        return
    now: datetime = system_clock()
    plan = purger.plan(now)
    if not dry_run:
        plan = purger.apply(plan, client="cli", by=getpass.getuser())
    typer.echo(report(plan, days, zone, dry_run))

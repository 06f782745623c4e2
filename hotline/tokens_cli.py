"""`hotline tokens create|list|revoke`: API tokens without a restart (issue 13). The token is
printed once, at creation; only its sha256 is stored. Every change goes to the access log
(actions token.create, token.revoke; client `cli`, with the operating-system user)."""

from __future__ import annotations

import getpass
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn
from zoneinfo import ZoneInfo

import typer

from audit.store import Access, AuditLog
from callrecords.store import CallStore
from credentials.store import (
    EXPIRY_DAYS_MAX,
    StoredToken,
    TokenAlreadyRevoked,
    TokenError,
    TokenNotFound,
    TokenStore,
)
from domain.clock import system_clock
from settings import ConfigError, Settings, load_settings

app = typer.Typer(help="API tokens: create (shown once), list, revoke; no restart needed.",
                  no_args_is_help=True, rich_markup_mode=None)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", metavar="FILE",
                              help="TOML file (default: embedded defaults)")]


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"hotline: {message}", err=True)
    raise typer.Exit(code)


def _settings(config: Path | None) -> Settings:
    try:
        return load_settings(config)
    except ConfigError as e:
        _fail(f"{e}; fix it and run again", 2)


def _stores(settings: Settings) -> tuple[TokenStore, AuditLog]:
    store = CallStore(settings.storage.database_url)
    store.migrate()
    return TokenStore(store.sessions), AuditLog(store.sessions)


def expiry_days(text: str | None) -> int | None:
    """`90d` -> 90; None or "never" -> None; anything else is refused in one line."""
    if text is None or text == "never":
        return None
    match = re.fullmatch(r"([0-9]{1,5})d", text.strip())
    if match is None or not 1 <= int(match.group(1)) <= EXPIRY_DAYS_MAX:
        _fail(f"--expires {text!r} is not a number of days from 1 to {EXPIRY_DAYS_MAX} "
              "followed by d, e.g. --expires 90d (or never)", 2)
    return int(match.group(1))


def _when(value: datetime | None, zone: ZoneInfo) -> str:
    return "-" if value is None else value.astimezone(zone).isoformat(timespec="minutes")


def _log(audit: AuditLog, access: Access, at: datetime) -> None:
    audit.record(Access(access.action, access.target, access.status, client="cli",
                        error_id=access.error_id,
                        detail={**access.detail, "by": getpass.getuser()}), at=at)


@app.command("create")
def create(role: Annotated[str, typer.Option(
               metavar="ROLE",
               help="admin, supervisor, qa, ticket, or agent:1001 for the agent with 工号 1001")],
           name: Annotated[str, typer.Option(metavar="NAME", help="who holds it, e.g. 王五")],
           expires: Annotated[str | None, typer.Option(
               metavar="DAYS", help="e.g. 90d; default: never")] = None,
           config: ConfigOption = None) -> None:
    """Create a token and print it, once, with its id."""
    settings = _settings(config)
    days = expiry_days(expires)
    tokens, audit = _stores(settings)
    now = system_clock()
    try:
        stored, token = tokens.create(role, name, days, now, created_by="cli:" + getpass.getuser())
    except TokenError as e:
        _fail(f"--{e.field.replace('expires_in_days', 'expires')}: {e}", 2)
    _log(audit, Access("token.create", f"token:{stored.id}", 201, detail={
        "name": stored.name, "role": stored.role,
        "expires_at": stored.expires_at and stored.expires_at.isoformat()}), now)
    zone = ZoneInfo(settings.company.timezone)
    expiry = "never" if stored.expires_at is None else _when(stored.expires_at, zone)
    typer.echo(f"token {stored.id} for {stored.name}, role {stored.role}, expires {expiry}")
    typer.echo(token)
    typer.echo("the token is shown only this once: hand it over now "
               "(it is stored as a hash and cannot be shown again)", err=True)


def _row(t: StoredToken, now: datetime, zone: ZoneInfo) -> list[str]:
    state = t.state(now)
    if state == "revoked":
        state = f"revoked {_when(t.revoked_at, zone)}"
    return [str(t.id), t.name, t.role, _when(t.created_at, zone), _when(t.expires_at, zone),
            state]


@app.command("list")
def list_(config: ConfigOption = None) -> None:
    """Every stored token: id, name, role, created, expires, state (never the token)."""
    settings = _settings(config)
    tokens, _ = _stores(settings)
    zone, now = ZoneInfo(settings.company.timezone), system_clock()
    rows = [["id", "name", "role", "created", "expires", "state"]]
    rows += [_row(t, now, zone) for t in tokens.all()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())


@app.command("revoke")
def revoke(token: Annotated[str, typer.Argument(metavar="ID", hidden=True)],
           config: ConfigOption = None) -> None:
    """Revoke token ID at once: the next request with it is refused (401)."""
    if not token.isascii() or not token.isdigit() or not 1 <= int(token) <= 2**63 - 1:
        _fail(f"{token!r} is not a token id: see `hotline tokens list`", 2)
    token_id = int(token)
    settings = _settings(config)
    tokens, audit = _stores(settings)
    now = system_clock()
    access = Access("token.revoke", f"token:{token_id}", 200)
    try:
        stored = tokens.revoke(token_id, now)
    except TokenNotFound:
        _log(audit, Access(access.action, access.target, 404, error_id="token.not_found"), now)
        _fail(f"there is no token {token_id}: see `hotline tokens list`")
    except TokenAlreadyRevoked as e:
        _log(audit, Access(access.action, access.target, 409, error_id="token.revoked"), now)
        zone = ZoneInfo(settings.company.timezone)
        _fail(f"token {token_id} was already revoked at {_when(e.token.revoked_at, zone)}")
    _log(audit, Access(access.action, access.target, 200,
                       detail={"name": stored.name, "role": stored.role}), now)
    typer.echo(f"revoked token {stored.id} ({stored.name}, {stored.role})")

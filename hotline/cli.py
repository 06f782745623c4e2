"""The `hotline` command."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from hotline.calls_cli import app as calls_app
from hotline.purge_cli import purge
from hotline.tokens_cli import app as tokens_app
from recordings.analysis.cli import app as recordings_app
from settings import ConfigError, Settings, load_settings

# Plain click help (rich_markup_mode=None): no "<bool>"/"<list[Path]>" type placeholders.
app = typer.Typer(help="Hotline: a customer-service hotline on a real Asterisk PBX.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
                  rich_markup_mode=None)
asterisk_app = typer.Typer(help="The project-owned Asterisk.", no_args_is_help=True,
                           rich_markup_mode=None)
app.add_typer(asterisk_app, name="asterisk")
app.add_typer(recordings_app, name="recordings")
app.add_typer(calls_app, name="calls")
app.add_typer(tokens_app, name="tokens")
app.command("purge")(purge)

ConfigOption = Annotated[Path | None, typer.Option(
    "--config", "-c", metavar="FILE",
    help="TOML configuration file over the embedded defaults (see hotline.example.toml). "
    "Default: the embedded defaults alone. HOTLINE_<SECTION>__<KEY> variables override both.")]
VerboseOption = Annotated[bool, typer.Option(
    "--verbose", "-v", help="Debug logging, and the full traceback of an error.")]

log = logging.getLogger("hotline")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _logging(verbose: bool) -> None:
    """One format on the console for our progress lines and every library's (issue 12)."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format=LOG_FORMAT,
                        force=True)
    logging.getLogger("ivr.ami.panoramisk").setLevel(logging.WARNING)
    if not verbose:  # alembic's "Context impl SQLiteImpl." and the like, every start
        logging.getLogger("alembic").setLevel(logging.WARNING)
        logging.getLogger("panoramisk").setLevel(logging.WARNING)
        logging.getLogger("httpx").setLevel(logging.WARNING)


def _settings(config: Path | None, verbose: bool = False) -> Settings:
    try:
        return load_settings(config)
    except ConfigError as e:
        if e.key == "(file)":
            _fail(f"configuration file {e.source} not found: pass an existing file with "
                  "--config, or none for the embedded defaults", verbose, code=2)
        todo = "fix the TOML syntax" if e.key == "(syntax)" else f"fix {e.key}"
        _fail(f"{e}; {todo} and run again", verbose, code=2)


def _fail(message: str, verbose: bool = False, code: int = 1) -> NoReturn:
    """One line saying what is wrong and what to do; the traceback only with --verbose."""
    typer.echo(f"hotline: {message}", err=True)
    if verbose and sys.exc_info()[0] is not None:
        raise
    raise typer.Exit(code)


def _progress(message: str) -> None:
    if message.startswith("warning: "):
        log.warning(message.removeprefix("warning: "))
    else:
        log.info(message)


@app.command()
def up(config: ConfigOption = None,
       verbose: VerboseOption = False,
       external_asterisk: Annotated[bool, typer.Option(
           "--external-asterisk",
           help="Asterisk is run by someone else (docker/compose.yaml) on the rendered "
           "instance folder: only render into it and wait for it.")] = False,
       demo: Annotated[bool, typer.Option(
           "--demo",
           help="A try-out on this machine: accept the example secrets (change-me...) of "
           "the embedded defaults and hotline.example.toml, with a warning, as long as every "
           "port is on loopback. Without it they are refused.")] = False) -> None:
    """Provision if needed, start Asterisk, the bridge and the API; Ctrl-C stops them all."""
    from hotline.service import ServiceError, refuse_example_secrets, serve

    settings = _settings(config, verbose)
    try:
        refuse_example_secrets(settings, demo)
    except ServiceError as e:
        _fail(str(e), verbose, code=2)
    _logging(verbose)
    try:
        asyncio.run(serve(settings, progress=_progress, external_asterisk=external_asterisk))
    except KeyboardInterrupt:
        pass
    except Exception as e:
        _fail(explain(e), verbose)


@app.command("demo-call")
def demo_call(config: ConfigOption = None,
              seconds: Annotated[float, typer.Option(
                  min=1, metavar="SECONDS",
                  help="How long the caller stays on the line after the hotline answers "
                  "(greeting and queue included).")] = 30,
              at: Annotated[str, typer.Option(
                  metavar="TIME",
                  help="Route this call (only this one) as if it were this time, e.g. "
                  "2026-11-23T10:00:00 (read in the company's time zone) or "
                  "2026-11-23T10:00:00+08:00. Default: now.")] = "",
              verbose: VerboseOption = False,
              ) -> None:
    """Place one simulated call (SIPp caller + SIPp agent phone) against the running service
    and print its call record."""
    from hotline.demo import DemoError, call_time, describe
    from hotline.demo import demo_call as run

    settings = _settings(config, verbose)
    if verbose:
        _logging(verbose)
    try:
        when = call_time(settings, at)  # checked before anything is placed
        record = run(settings, seconds, when, say=typer.echo)
    except DemoError as e:
        _fail(str(e), verbose)
    except KeyboardInterrupt:
        _fail("interrupted: the demo's phones are stopped", verbose, code=130)
    typer.echo(json.dumps(record, ensure_ascii=False, indent=2))
    for line in describe(settings, record):
        typer.echo(line)


@app.command("check-config")
def check_config(config: ConfigOption = None, verbose: VerboseOption = False) -> None:
    """Validate the configuration and print it as the service would run it: every effective
    value (defaults filled in, secrets hidden) on stdout, the warnings `hotline up` would give
    on stderr."""
    from domain.clock import system_clock
    from hotline.checkconfig import effective_config
    from hotline.service import start_warnings
    from pbx.layout import Instance
    from pbx.provision import version_warnings

    settings = _settings(config, verbose)
    typer.echo(json.dumps(effective_config(settings), ensure_ascii=False, indent=2))
    warnings = start_warnings(settings, system_clock())
    warnings += version_warnings(Instance.of(settings), settings.asterisk.version)
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)


@asterisk_app.command("provision")
def asterisk_provision(config: ConfigOption = None, verbose: VerboseOption = False,
                       upgrade: Annotated[bool, typer.Option(
                           "--upgrade",
                           help="Rebuild an existing root from today's Debian sid (or with "
                           "the asterisk.version pin), which may change its Asterisk "
                           "version. Stop the service first.")] = False) -> None:
    """Build the Asterisk root from Debian sid with mmdebstrap (skipped when already built;
    an existing root's Asterisk version changes only with --upgrade)."""
    from pbx.layout import Instance
    from pbx.provision import provision

    settings = _settings(config, verbose)
    _logging(verbose)
    try:
        provision(Instance.of(settings), _progress, pin=settings.asterisk.version,
                  upgrade=upgrade)
    except Exception as e:
        _fail(explain(e), verbose)


@asterisk_app.command("render")
def asterisk_render(config: ConfigOption = None, verbose: VerboseOption = False) -> None:
    """Render Asterisk's configuration, prompts and fallback AGI into the root."""
    from hotline.service import prepare

    settings = _settings(config, verbose)
    _logging(verbose)
    try:
        prepare(settings, _progress)
    except Exception as e:
        _fail(explain(e), verbose)


def explain(error: BaseException) -> str:
    """One line for an error: ours already say what to do; anything else names its type."""
    from hotline.demo import DemoError
    from hotline.service import ServiceError
    from pbx.process import AsteriskError
    from pbx.provision import ProvisionError

    first = (str(error).strip().splitlines() or [""])[0]
    if isinstance(error, ConfigError | DemoError | ServiceError | AsteriskError | ProvisionError):
        return first
    if isinstance(error, OperationalError):
        # The commands that read the database directly (calls, tokens, purge, recordings
        # analyze --call): say which database, never its password, and what to do.
        url = database_shown()
        reason = (str(error.orig).strip().splitlines() or [first])[0]
        return (f"the database {url} cannot be used ({reason}): start it, or set "
                "storage.database_url (HOTLINE_STORAGE__DATABASE_URL) to one that works")
    return f"{type(error).__name__}: {first} (run again with --verbose for the details)"


def database_shown() -> str:
    """The configured database URL for an error message, password hidden."""
    config = next((sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1])
                   if a in ("--config", "-c")), None)
    try:
        url = load_settings(Path(config) if config else None).storage.database_url
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # the command already failed; the message must not fail too
        return "of storage.database_url"


def main() -> None:
    try:
        app()
    except Exception as e:  # a command without its own handler: still one line
        if "--verbose" in sys.argv or "-v" in sys.argv:
            raise
        typer.echo(f"hotline: {explain(e)}", err=True)
        sys.exit(1)

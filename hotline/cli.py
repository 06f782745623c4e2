"""The `hotline` command."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Annotated

import typer

from hotline.calls_cli import app as calls_app
from recordings.analysis.cli import app as recordings_app
from settings import ConfigError, Settings, load_settings

app = typer.Typer(help="Hotline: a customer-service hotline on a real Asterisk PBX.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
asterisk_app = typer.Typer(help="The project-owned Asterisk.", no_args_is_help=True)
app.add_typer(asterisk_app, name="asterisk")
app.add_typer(recordings_app, name="recordings")
app.add_typer(calls_app, name="calls")

ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="TOML file (default: embedded defaults)")]


def _settings(config: Path | None) -> Settings:
    try:
        return load_settings(config)
    except ConfigError as e:
        typer.echo(str(e), err=True)
        raise typer.Exit(2) from e


def _progress(message: str) -> None:
    typer.echo(message, err=True)


@app.command()
def up(config: ConfigOption = None,
       verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
       external_asterisk: Annotated[bool, typer.Option(
           help="Asterisk is run by someone else (docker compose) on the rendered folder")
       ] = False) -> None:
    """Provision if needed, start Asterisk, the bridge and the API; Ctrl-C stops them all."""
    from hotline.service import serve

    settings = _settings(config)
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("ivr.ami.panoramisk").setLevel(logging.WARNING)
    try:
        asyncio.run(serve(settings, progress=_progress, external_asterisk=external_asterisk))
    except KeyboardInterrupt:
        pass
    except Exception as e:
        typer.echo(f"hotline: {type(e).__name__}: {e}", err=True)
        raise typer.Exit(1) from e


@app.command("demo-call")
def demo_call(config: ConfigOption = None,
              seconds: Annotated[float, typer.Option(
                  help="how long the caller stays on the line")] = 18,
              at: Annotated[str, typer.Option(help="route as if it were this ISO time")] = "",
              ) -> None:
    """Place one simulated call (SIPp caller + SIPp agent phone) against the running service."""
    from hotline.demo import demo_call as run

    raise typer.Exit(run(_settings(config), seconds, at))


@app.command("check-config")
def check_config(config: ConfigOption = None) -> None:
    """Validate the configuration and print it as resolved (secrets hidden)."""
    settings = _settings(config)
    data = settings.model_dump(mode="json")
    for agent in data["agents"]:
        agent["password"] = "***"
    data["ami"]["secret"] = "***"
    data["api"]["tokens"] = sorted(set(data["api"]["tokens"].values()))  # roles only
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@asterisk_app.command("provision")
def asterisk_provision(config: ConfigOption = None) -> None:
    """Build the Asterisk root from Debian sid with mmdebstrap (skipped when already built)."""
    from pbx.layout import Instance
    from pbx.provision import ProvisionError, provision

    try:
        provision(Instance.of(_settings(config)), _progress)
    except ProvisionError as e:
        typer.echo(f"hotline: {e}", err=True)
        raise typer.Exit(1) from e


@asterisk_app.command("render")
def asterisk_render(config: ConfigOption = None) -> None:
    """Render Asterisk's configuration, prompts and fallback AGI into the root."""
    from hotline.service import prepare

    prepare(_settings(config), _progress)


def main() -> None:
    app()

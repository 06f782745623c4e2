"""`hotline up`: provision if needed, render Asterisk's configuration, start Asterisk, the bridge
and the API in one process, and stop all of them cleanly on Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import signal
import socket
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import uvicorn

from api.app import create_app
from callrecords.store import CallStore
from domain.clock import Clock, system_clock
from domain.workcal import calendar_warnings, local_time
from hotline.bridge import Bridge
from pbx.holdmusic import render_hold_music
from pbx.layout import Instance
from pbx.ownership import own_instance
from pbx.process import Asterisk
from pbx.prompts import render_prompts
from pbx.provision import provision
from pbx.render import install_fallback, render_config
from pbx.supervisor import AsteriskSupervisor
from settings import Settings
from settings.policy import policy_from_settings

log = logging.getLogger(__name__)

OWNER_ONLY = 0o077  # umask


class ServiceError(RuntimeError):
    pass


def _port_free(bind: str, kind: int) -> bool:
    host, _, port = bind.rpartition(":")
    with socket.socket(socket.AF_INET, kind) as s:
        if kind == socket.SOCK_STREAM:  # a listener of ours in TIME_WAIT is no obstacle
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, int(port)))
        except OSError:
            return False
    return True


def preflight(settings: Settings, asterisk_running: bool) -> None:
    """Refuses to start, before anything is started, when a port we need is taken. SIP and
    AMI are expected to be taken when we adopt our own running Asterisk."""
    checks = [("api.bind", settings.api.bind, socket.SOCK_STREAM),
              ("agi.bind", settings.agi.bind, socket.SOCK_STREAM)]
    if not asterisk_running:
        checks += [("sip.bind", settings.sip.bind, socket.SOCK_DGRAM),
                   ("ami.bind", settings.ami.bind, socket.SOCK_STREAM)]
    for key, bind, kind in checks:
        if not _port_free(bind, kind):
            if _hotline_answers(settings.api.bind):
                raise ServiceError(
                    f"{key} {bind} is already in use, probably by another Hotline (its API "
                    f"answers on {settings.api.bind}; `make up` in another terminal?): stop it "
                    "with Ctrl-C there, or give this one other ports in its config")
            raise ServiceError(f"{key} {bind} is already in use by another program: stop it, "
                               f"or set {key} to a free port in the config")


def _hotline_answers(api_bind: str) -> bool:
    """Is a Hotline service (its /health) answering on this address?"""
    try:
        body = httpx.get(f"http://{api_bind}/health", timeout=1.0).json()
    except (httpx.HTTPError, ValueError):
        return False
    return isinstance(body, dict) and "status" in body and "database" in body


def default_secrets(settings: Settings) -> list[str]:
    """Keys still holding the shipped example secrets ("change-me..."): fine for a first run on
    loopback, not for a hotline the public can reach."""
    found = [f"agents[{i}].password" for i, a in enumerate(settings.agents)
             if a.password.startswith("change-me")]
    found += [f"supervisors[{i}].password" for i, s in enumerate(settings.supervisors)
              if s.password.startswith("change-me")]
    if settings.ami.secret.startswith("change-me"):
        found.append("ami.secret")
    if settings.ami.originate_secret.startswith("change-me"):
        found.append("ami.originate_secret")
    if any(token.startswith("change-me") for token in settings.api.tokens):
        found.append("api.tokens")
    return found


def _loopback(bind: str) -> bool:
    host = bind.rpartition(":")[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_example_secrets(settings: Settings, demo: bool) -> None:
    """Issue 13 item 7: the shipped example secrets (anyone can read them in this repository)
    are refused at start, unless `--demo` says this is a try-out on this machine, and then
    only while every port we listen on is on loopback."""
    secrets = default_secrets(settings)
    if not secrets:
        return
    verb = "has its" if len(secrets) == 1 else "have their"
    if not demo:
        raise ServiceError(
            f"{', '.join(secrets)} still {verb} example value (change-me...): set your own in "
            "the TOML file given with --config (keys as in hotline.example.toml) or in "
            "HOTLINE_<SECTION>__<KEY>, or add --demo to try the hotline on this machine only")
    exposed = [key for key, bind in (("api.bind", settings.api.bind),
                                     ("sip.bind", settings.sip.bind),
                                     ("ami.bind", settings.ami.bind)) if not _loopback(bind)]
    if exposed:
        raise ServiceError(
            f"--demo keeps the example secrets, so it listens on loopback only, but "
            f"{', '.join(exposed)} is not on 127.0.0.1/::1: set your own secrets "
            f"({', '.join(secrets)}), or bind to loopback")


def start_warnings(settings: Settings, now: datetime) -> list[str]:
    """What an operator must hear before going live; `hotline up` and `hotline check-config`
    say the same."""
    warnings = []
    secrets = default_secrets(settings)
    if secrets:  # one line for all of them: a first run on the defaults has four
        verb = "has its" if len(secrets) == 1 else "have their"
        warnings.append(f"{', '.join(secrets)} still {verb} example value; set your own "
                        "before going live")
    schedule = policy_from_settings(settings, "").schedule
    warnings += [f"{w}; list that year's closed/open days in [holidays]"
                 for w in calendar_warnings(schedule, local_time(schedule, now).date())]
    return warnings


def prepare(settings: Settings, progress: Callable[[str], None] = print,
            build_root: bool = True) -> Instance:
    """Everything before start: the root, the rendered configuration, the prompts."""
    instance = Instance.of(settings)
    if build_root:
        provision(instance, progress, pin=settings.asterisk.version)
    # From here on every file the service makes (rendered configuration with its secrets, the
    # database, recordings, the spool) is the operator's alone (R26). Not before: the root's
    # own system files keep their usual modes.
    os.umask(OWNER_ONLY)
    render_config(settings, instance)
    install_fallback(settings, instance)
    made = render_prompts(settings, instance)
    if render_hold_music(settings, instance):
        made.append("hold music")
    if made:
        progress(f"prompts rendered: {', '.join(made)}")
    own_instance(instance)  # issue 13: Asterisk runs as its own user, on files of its own
    return instance


async def serve(settings: Settings, clock: Clock = system_clock,
                progress: Callable[[str], None] = print, external_asterisk: bool = False
                ) -> None:
    """external_asterisk: another process (docker/compose.yaml) runs Asterisk on the rendered
    instance folder; we only render into it and wait for it to boot."""
    for warning in start_warnings(settings, clock()):
        progress(f"warning: {warning}")
    asterisk = Asterisk(Instance.of(settings), settings.ami)
    preflight(settings, asterisk_running=external_asterisk or asterisk.running_pid() is not None)
    instance = await asyncio.to_thread(prepare, settings, progress, not external_asterisk)
    store = CallStore(settings.storage.database_url)
    await asyncio.to_thread(store.migrate)
    if not external_asterisk:
        asterisk.start()
    bridge: Bridge | None = None
    supervisor: AsteriskSupervisor | None = None
    try:
        booted = await asterisk.wait_booted(timeout=120 if external_asterisk else 15)
        progress(f"Asterisk up in {booted:.2f} s (SIP {settings.sip.bind}, "
                 f"AMI {settings.ami.bind})")
        bridge = Bridge(settings, store, instance, clock)
        await bridge.start()
        progress(f"bridge up (FastAGI {settings.agi.bind})")
        health = bridge.health
        if not external_asterisk:
            # issue 13: an Asterisk that dies is restarted; the bridge logs in again and
            # resyncs by itself.
            watchdog = supervisor = AsteriskSupervisor(
                asterisk, settings.watchdog.check_seconds, settings.watchdog.restart_delay,
                settings.watchdog.restart_delay_max)
            supervisor.start()
            running = bridge

            def health() -> dict[str, Any]:
                return {**running.health(), **watchdog.health()}
        host, _, port = settings.api.bind.rpartition(":")
        app = create_app(settings, store, health=health, clock=clock)
        app.state.ticket_callbacks = bridge.callbacks  # POST /tickets/{id}/callbacks originates
        app.state.agent_presence = bridge.presence.desk  # POST /agents/.../presence applies
        app.state.live_listening = bridge.live  # POST /live-sessions originates (R18)
        # log_config=None: uvicorn's lines go through our logging, in the one console format.
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=int(port),
                                               log_level="warning", lifespan="off",
                                               log_config=None))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        server_task = asyncio.create_task(server.serve())
        progress(f"API on http://{settings.api.bind} (docs: /docs) — Ctrl-C stops everything")
        await asyncio.wait({server_task, asyncio.create_task(stop.wait())},
                                     return_when=asyncio.FIRST_COMPLETED)
        server.should_exit = True
        await asyncio.wait_for(asyncio.shield(server_task), 10)
        if not server_task.cancelled() and isinstance(server_task.exception(), SystemExit):
            raise ServiceError(f"the API could not start on {settings.api.bind}")
    finally:
        progress("stopping ...")
        if supervisor is not None:  # before Asterisk is stopped on purpose
            await supervisor.stop()
        if bridge is not None:
            await bridge.stop()
        if not external_asterisk:
            await asyncio.to_thread(asterisk.stop)
        progress("stopped")

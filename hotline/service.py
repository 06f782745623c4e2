"""`hotline up`: provision if needed, render Asterisk's configuration, start Asterisk, the bridge
and the API in one process, and stop all of them cleanly on Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from collections.abc import Callable

import uvicorn

from api.app import create_app
from callrecords.store import CallStore
from domain.clock import Clock, system_clock
from domain.workcal import calendar_warnings, local_time
from hotline.bridge import Bridge
from pbx.layout import Instance
from pbx.process import Asterisk
from pbx.prompts import render_prompts
from pbx.provision import provision
from pbx.render import install_fallback, render_config
from settings import Settings
from settings.policy import policy_from_settings

log = logging.getLogger(__name__)


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
            raise ServiceError(f"{key} {bind} is already in use by another program")


def default_secrets(settings: Settings) -> list[str]:
    """Keys still holding the shipped example secrets ("change-me..."): fine for a first run on
    loopback, not for a hotline the public can reach."""
    found = [f"agents[{i}].password" for i, a in enumerate(settings.agents)
             if a.password.startswith("change-me")]
    if settings.ami.secret.startswith("change-me"):
        found.append("ami.secret")
    if any(token.startswith("change-me") for token in settings.api.tokens):
        found.append("api.tokens")
    return found


def prepare(settings: Settings, progress: Callable[[str], None] = print,
            build_root: bool = True) -> Instance:
    """Everything before start: the root, the rendered configuration, the prompts."""
    instance = Instance.of(settings)
    if build_root:
        provision(instance, progress)
    render_config(settings, instance)
    install_fallback(settings, instance)
    made = render_prompts(settings, instance)
    if made:
        progress(f"prompts rendered: {', '.join(made)}")
    return instance


async def serve(settings: Settings, clock: Clock = system_clock,
                progress: Callable[[str], None] = print, external_asterisk: bool = False
                ) -> None:
    """external_asterisk: another process (docker/compose.yaml) runs Asterisk on the rendered
    instance folder; we only render into it and wait for it to boot."""
    for key in default_secrets(settings):
        progress(f"warning: {key} still has its example value; set your own before going live")
    policy = policy_from_settings(settings, "")
    for warning in calendar_warnings(policy.schedule, local_time(policy.schedule, clock()).date()):
        progress(f"warning: {warning}; list that year's closed/open days in [holidays]")
    asterisk = Asterisk(Instance.of(settings), settings.ami)
    preflight(settings, asterisk_running=external_asterisk or asterisk.running_pid() is not None)
    instance = await asyncio.to_thread(prepare, settings, progress, not external_asterisk)
    store = CallStore(settings.storage.database_url)
    await asyncio.to_thread(store.migrate)
    if not external_asterisk:
        asterisk.start()
    bridge: Bridge | None = None
    try:
        booted = await asterisk.wait_booted(timeout=120 if external_asterisk else 15)
        progress(f"Asterisk up in {booted:.2f} s (SIP {settings.sip.bind}, "
                 f"AMI {settings.ami.bind})")
        bridge = Bridge(settings, store, instance, clock)
        await bridge.start()
        progress(f"bridge up (FastAGI {settings.agi.bind})")
        host, _, port = settings.api.bind.rpartition(":")
        app = create_app(settings, store, health=bridge.health, clock=clock)
        app.state.ticket_callbacks = bridge.callbacks  # POST /tickets/{id}/callbacks originates
        server = uvicorn.Server(uvicorn.Config(app, host=host, port=int(port),
                                               log_level="warning", lifespan="off"))
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
        if bridge is not None:
            await bridge.stop()
        if not external_asterisk:
            await asyncio.to_thread(asterisk.stop)
        progress("stopped")

"""FastAGI server (panoramisk): answers the dialplan's routing request for each inbound call.

panoramisk's own Application.handler spins at 100% CPU when a client closes before sending its
headers (health checks, port scans) and has no timeouts, so the header read is ours; command
round trips still go through panoramisk's Request."""

from __future__ import annotations

import asyncio
import logging

from panoramisk.fast_agi import Request

from domain.clock import Clock, system_clock
from domain.policy import RoutingPolicy, clock_args
from metrics import ROUTING_DECISIONS

log = logging.getLogger(__name__)

__all__ = ["Clock", "RoutingServer", "quote", "read_headers", "system_clock"]

HEADER_LIMIT = 16 * 1024


def quote(value: str) -> str:
    """AGI argument quoting (panoramisk sends commands verbatim)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def read_headers(reader: asyncio.StreamReader, timeout: float) -> dict[str, str] | None:
    """The agi_* header block, or None if the peer left or stalled before finishing it."""
    headers: dict[str, str] = {}
    size = 0
    async with asyncio.timeout(timeout):
        while True:
            line = await reader.readline()
            size += len(line)
            if not line or size > HEADER_LIMIT:
                return None
            text = line.decode("utf-8", errors="replace").rstrip("\r\n")
            if not text:
                return headers
            key, sep, value = text.partition(": ")
            if sep:
                headers[key] = value


class RoutingServer:
    """Serves `agi://host:port/route`. The clock is injectable so tests make their own time."""

    def __init__(self, policy: RoutingPolicy, clock: Clock = system_clock, timeout: float = 2.0):
        self.policy = policy
        self.clock = clock
        self.timeout = timeout
        self.decisions = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            headers = await read_headers(reader, self.timeout)
            if headers is None:
                return
            script = headers.get("agi_network_script", "")
            if script != "route":
                log.warning("FastAGI request for unknown script %r", script)
                return
            await self._route(Request(None, headers, reader, writer))
        except (TimeoutError, ConnectionError) as e:
            log.warning("FastAGI exchange dropped: %s", e)
        except Exception:
            log.exception("FastAGI routing failed; the dialplan will use its fallback")
        finally:
            writer.close()

    async def _route(self, request: Request) -> None:
        override, refused = self.policy.call_clock(*clock_args(request.headers))
        if refused:
            log.warning("call %s: %s", request.headers.get("agi_uniqueid"), refused)
        decision = self.policy.decide(override or self.clock())
        if decision.warning:
            log.warning("routing: %s", decision.warning)
        for name, value in decision.channel_variables(self.policy.prompts_dir).items():
            result = await asyncio.wait_for(
                request.send_command(f"SET VARIABLE {name} {quote(value)}"), self.timeout
            )
            # After a hangup every later result is off by one: stop at the first error.
            if "error" in result or result.get("status_code") != 200:
                log.warning("AGI SET VARIABLE %s failed: %s", name, result)
                return
        self.decisions += 1
        ROUTING_DECISIONS.labels(decision.route.value).inc()
        log.info("call %s from %s routed: %s%s", request.headers.get("agi_uniqueid"),
                 request.headers.get("agi_callerid"), decision.route,
                 f" (its own clock: {override.isoformat()})" if override is not None else "")

    async def start(self, host: str, port: int) -> asyncio.Server:
        return await asyncio.start_server(self.handle, host, port, reuse_address=True)

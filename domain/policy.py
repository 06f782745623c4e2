"""What the routing decision needs, in one JSON-able object. The service builds it from the
settings (settings.policy); render writes it into Asterisk's root, where the pyst2 fallback
reads it back.

A call may carry its own routing time (the SIP header X-Hotline-Clock, sent by `hotline
demo-call --at` and the test suite): it applies to that call only, and only when the call's SIP
peer is in `demo.clock_peers` (issue 12: a demo on a live hotline must not route real callers
by a fake clock)."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from domain.routing import Decision, decide
from domain.workcal import Schedule


@dataclass(frozen=True)
class RoutingPolicy:
    schedule: Schedule
    forward_to: str
    prompts_dir: str  # as Asterisk sees it
    clock_peers: tuple[str, ...] = ()  # networks whose calls may carry X-Hotline-Clock

    def decide(self, now: datetime) -> Decision:
        return decide(self.schedule, now, self.forward_to)

    def call_clock(self, peer: str, value: str) -> tuple[datetime | None, str | None]:
        """The routing time one call asked for, or None (the real clock), with the reason it
        was ignored. `peer` is the call's SIP source (Asterisk's CHANNEL(pjsip,remote_addr),
        "127.0.0.10:5060"); `value` the header as received. Never raises: a bad header must
        not cost the caller the decision."""
        value = value.strip()
        if not value:
            return None, None
        if not peer_in(peer, self.clock_peers):
            return None, (f"{CLOCK_HEADER} from {peer or 'an unknown peer'} ignored: "
                          "not in demo.clock_peers")
        try:
            return parse_clock_override(value, ZoneInfo(self.schedule.timezone)), None
        except ValueError as e:
            return None, f"{CLOCK_HEADER} ignored: {e}"

    def to_json(self) -> str:
        d = {"schedule": self.schedule.to_dict(), "forward_to": self.forward_to,
             "prompts_dir": self.prompts_dir, "clock_peers": list(self.clock_peers)}
        return json.dumps(d, ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RoutingPolicy:
        return cls(Schedule.from_dict(d["schedule"]), d.get("forward_to", ""), d["prompts_dir"],
                   tuple(d.get("clock_peers", ())))

    @classmethod
    def load(cls, path: str | Path) -> RoutingPolicy:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


CLOCK_HEADER = "X-Hotline-Clock"


def parse_clock_override(text: str, zone: ZoneInfo | None = None) -> datetime | None:
    """A call's own routing time: an ISO 8601 instant, or empty. A time without a UTC offset
    is read in `zone` (the company's); without a zone it is refused. ValueError otherwise."""
    text = text.strip()
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time") from None
    if when.tzinfo is None:
        if zone is None:
            raise ValueError(f"{text!r} has no UTC offset")
        when = when.replace(tzinfo=zone)
    return when


def peer_in(peer: str, networks: tuple[str, ...]) -> bool:
    """Is a SIP source ("127.0.0.10:5060", "[::1]:5060", or a bare address) in one of the
    networks ("127.0.0.0/8")?"""
    host = peer.strip()
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in networks)


def clock_args(agi_env: Mapping[str, str]) -> tuple[str, str]:
    """(SIP peer, X-Hotline-Clock value) from the dialplan's AGI(...,<peer>,<header>) request.
    The peer comes first so that a comma inside the header (substituted before Asterisk splits
    the arguments) cannot pose as the peer: everything after it is the header."""
    rest = []
    n = 2
    while f"agi_arg_{n}" in agi_env:
        rest.append(agi_env[f"agi_arg_{n}"])
        n += 1
    return agi_env.get("agi_arg_1", ""), ",".join(rest)

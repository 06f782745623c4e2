"""What the routing decision needs, in one JSON-able object. The service builds it from the
settings (settings.policy); render writes it into Asterisk's root, where the pyst2 fallback
reads it back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from domain.routing import Decision, decide
from domain.workcal import Schedule


@dataclass(frozen=True)
class RoutingPolicy:
    schedule: Schedule
    forward_to: str
    prompts_dir: str  # as Asterisk sees it

    def decide(self, now: datetime) -> Decision:
        return decide(self.schedule, now, self.forward_to)

    def to_json(self) -> str:
        d = {"schedule": self.schedule.to_dict(), "forward_to": self.forward_to,
             "prompts_dir": self.prompts_dir}
        return json.dumps(d, ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RoutingPolicy:
        return cls(Schedule.from_dict(d["schedule"]), d.get("forward_to", ""), d["prompts_dir"])

    @classmethod
    def load(cls, path: str | Path) -> RoutingPolicy:
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def parse_clock_override(text: str) -> datetime | None:
    """The dialplan's HOTLINE_CLOCK test hook: an aware ISO 8601 instant, or empty."""
    text = text.strip()
    if not text:
        return None
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise ValueError(f"HOTLINE_CLOCK {text!r} has no UTC offset")
    return when

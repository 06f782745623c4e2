"""The routing decision for one inbound call (R2, R3, R7). Pure: the caller passes the clock's
reading. Shared by the FastAGI server and the pyst2 fallback script, so they cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ivr.schedule import DayKind, Schedule, classify, is_open, local_time

ROUTE_AGENT = "agent"
ROUTE_AFTER_HOURS = "after_hours"
ROUTE_HOLIDAY = "holiday"
ROUTE_FORWARD = "forward"
ROUTE_VOICEMAIL = "voicemail"


@dataclass(frozen=True)
class Decision:
    route: str  # agent | after_hours | holiday | forward
    prompts: tuple[str, ...]  # prompt names, played in order before the route's own action
    closed_reason: str  # "" when open, else after_hours | weekend | holiday
    forward_to: str = ""
    holiday_name: str | None = None
    warning: str | None = None

    def channel_variables(self, prompts_dir: str) -> dict[str, str]:
        """What the dialplan reads after the AGI returns (prompts_dir: as Asterisk sees it)."""
        return {
            "HOTLINE_ROUTE": self.route,
            "HOTLINE_PROMPTS": "&".join(f"{prompts_dir}/{p}" for p in self.prompts),
            "HOTLINE_FORWARD": self.forward_to,
            "HOTLINE_CLOSED": self.closed_reason,
        }


def decide(schedule: Schedule, now: datetime, forward_to: str = "") -> Decision:
    local = local_time(schedule, now)
    day = classify(schedule, local.date())
    if is_open(day, local.time()):
        # R3: weekend callers hear the weekend greeting even when the floor is staffed.
        greeting = "weekend_greeting" if day.kind is DayKind.WEEKEND else "greeting"
        return Decision(ROUTE_AGENT, (greeting,), "", warning=day.warning)
    # R7: never unattended. Out of hours go to the on-duty mobile if there is one, else voicemail.
    if day.kind is DayKind.HOLIDAY:
        prompts: tuple[str, ...] = ("holiday_greeting", "after_hours")
        route, reason = ROUTE_HOLIDAY, "holiday"
    elif day.kind is DayKind.WEEKEND:
        prompts, route, reason = ("weekend_greeting", "after_hours"), ROUTE_AFTER_HOURS, "weekend"
    else:
        prompts, route, reason = ("after_hours",), ROUTE_AFTER_HOURS, "after_hours"
    if forward_to:
        return Decision(ROUTE_FORWARD, (*prompts, "forwarding"), reason, forward_to,
                        day.holiday_name, day.warning)
    return Decision(route, (*prompts, "voicemail"), reason, "", day.holiday_name, day.warning)

"""The routing decision for one inbound call (R2, R3, R7). Pure: the caller passes the clock's
reading. Shared by the FastAGI server and the pyst2 fallback script, so they cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.status import ClosedReason, DayKind, Route
from domain.workcal import Schedule, classify, is_open, local_time


@dataclass(frozen=True)
class Decision:
    route: Route  # agent | after_hours | holiday | forward
    prompts: tuple[str, ...]  # prompt names, played in order before the route's own action
    closed_reason: ClosedReason  # OPEN ("") when open
    forward_to: str = ""
    holiday_name: str | None = None
    warning: str | None = None

    def channel_variables(self, prompts_dir: str) -> dict[str, str]:
        """What the dialplan reads after the AGI returns (prompts_dir: as Asterisk sees it)."""
        return {
            "HOTLINE_ROUTE": self.route.value,
            "HOTLINE_PROMPTS": "&".join(f"{prompts_dir}/{p}" for p in self.prompts),
            "HOTLINE_FORWARD": self.forward_to,
            "HOTLINE_CLOSED": self.closed_reason.value,
        }


def decide(schedule: Schedule, now: datetime, forward_to: str = "") -> Decision:
    local = local_time(schedule, now)
    day = classify(schedule, local.date())
    if is_open(day, local.time()):
        # R3: weekend callers hear the weekend greeting even when the floor is staffed.
        greeting = "weekend_greeting" if day.kind is DayKind.WEEKEND else "greeting"
        return Decision(Route.AGENT, (greeting,), ClosedReason.OPEN, warning=day.warning)
    # R7: never unattended. Out of hours go to the on-duty mobile if there is one, else voicemail.
    prompts: tuple[str, ...]
    if day.kind is DayKind.HOLIDAY:
        prompts, route, reason = (("holiday_greeting", "after_hours"), Route.HOLIDAY,
                                  ClosedReason.HOLIDAY)
    elif day.kind is DayKind.WEEKEND:
        prompts, route, reason = (("weekend_greeting", "after_hours"), Route.AFTER_HOURS,
                                  ClosedReason.WEEKEND)
    else:
        prompts, route, reason = ("after_hours",), Route.AFTER_HOURS, ClosedReason.AFTER_HOURS
    if forward_to:
        return Decision(Route.FORWARD, (*prompts, "forwarding"), reason, forward_to,
                        day.holiday_name, day.warning)
    return Decision(route, (*prompts, "voicemail"), reason, "", day.holiday_name, day.warning)

"""The routing policy (pure core) as the configuration defines it."""

from __future__ import annotations

from domain.policy import RoutingPolicy
from domain.workcal import Schedule
from settings.schema import Settings


def schedule_from_settings(settings: Settings) -> Schedule:
    """The working calendar routing and ticket clocks share."""
    return Schedule.from_dict(
        {
            "timezone": settings.company.timezone,
            "hours": settings.hours.model_dump(),
            "calendar": settings.holidays.calendar,
            "closed": [d.isoformat() for d in settings.holidays.closed],
            "open": [d.isoformat() for d in settings.holidays.open],
        }
    )


def policy_from_settings(settings: Settings, prompts_dir: str) -> RoutingPolicy:
    return RoutingPolicy(schedule_from_settings(settings), settings.after_hours.forward_to,
                         prompts_dir, tuple(settings.demo.clock_peers))

"""Service-clock durations (R15) as the configuration writes them: a number and a unit.
`s`, `min`, `h`, `d` count wall-clock time; `wmin`, `wh` count working time (the open spans of
the working calendar); `wd` counts working days (the deadline is the end of the last open span
of the Nth working day after the start day). Pure and stdlib-only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.workcal import Schedule, working_days_after, working_time_after

__all__ = ["UNITS", "Duration", "parse_duration"]

_WALL = {"s": 1, "min": 60, "h": 3600, "d": 86400}
_WORKING = {"wmin": 60, "wh": 3600}
UNITS = (*_WALL, *_WORKING, "wd")

_FORM = re.compile(r"^\s*(\d+)\s*(s|min|h|d|wmin|wh|wd)\s*$")


@dataclass(frozen=True)
class Duration:
    amount: int
    unit: str

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    @property
    def wall_clock(self) -> timedelta | None:
        """The fixed length of a wall-clock duration; None for working time or days."""
        factor = _WALL.get(self.unit)
        return None if factor is None else timedelta(seconds=self.amount * factor)

    def due(self, schedule: Schedule, start: datetime) -> datetime:
        """The deadline of a clock of this length started at `start`."""
        wall = self.wall_clock
        if wall is not None:
            return start + wall
        if self.unit in _WORKING:
            return working_time_after(schedule, start,
                                      timedelta(seconds=self.amount * _WORKING[self.unit]))
        return working_days_after(schedule, start, self.amount)


def parse_duration(text: str) -> Duration:
    """'10wmin' -> Duration(10, 'wmin'). ValueError naming the accepted units otherwise; a
    zero duration is refused (a clock that is due when it starts is a typo)."""
    m = _FORM.match(text) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f"{text!r} is not a duration: a whole number and one of the units "
                         f"{', '.join(UNITS)} (e.g. '10wmin', '2wd', '24h')")
    amount = int(m.group(1))
    if amount < 1:
        raise ValueError(f"{text!r}: a duration must be at least 1")
    return Duration(amount, m.group(2))

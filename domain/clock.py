"""The one source of "now" (time is injectable): routing, service clocks, SLA deadlines and
sampling all take the current instant from a Clock, so tests make their own time instead of
sleeping. A Clock is any callable returning an aware datetime."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told: `clock = ManualClock(start); clock.advance(minutes=5)`."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("a clock gives aware times")
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        self.current += delta if delta is not None else timedelta(**parts)
        return self.current

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("a clock gives aware times")
        self.current = when

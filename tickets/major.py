"""When a responsible complaint becomes major (R14), pure: flags, a month unresolved, and
collective complaints (enough distinct customers on one matter within a window)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from domain.status import MajorReason

FLAG_REASONS = (MajorReason.GOVERNMENT_MEDIA, MajorReason.SERIOUS_LOSS,
                MajorReason.REPEATED_UNRESOLVED)


def flag_reason(flags: Mapping[str, bool]) -> MajorReason | None:
    """The first flag set, in the order of R14's list."""
    return next((r for r in FLAG_REASONS if flags.get(r.value)), None)


@dataclass(frozen=True)
class Complaint:
    id: int
    customer: str
    accepted_at: datetime


def collective_members(this: Complaint, same_matter: Sequence[Complaint],
                       window_end: Callable[[datetime], datetime],
                       min_customers: int) -> set[int]:
    """The complaints that, with `this`, make a collective complaint: every window
    [t, window_end(t)] holding `this` and at least `min_customers` distinct customer numbers
    contributes its members. Empty when there is none."""
    items = sorted({c.id: c for c in (*same_matter, this)}.values(),
                   key=lambda c: (c.accepted_at, c.id))
    members: set[int] = set()
    for first in items:
        if first.accepted_at > this.accepted_at:
            break
        end = window_end(first.accepted_at)
        inside = [c for c in items if first.accepted_at <= c.accepted_at <= end]
        customers = {c.customer for c in inside}
        if any(c.id == this.id for c in inside) and len(customers) >= min_customers:
            members.update(c.id for c in inside)
    return members


def unresolved_too_long(accepted_at: datetime, deadline: datetime, resolved: bool,
                        now: datetime) -> bool:
    """R14 (unresolved_month): still unresolved at `deadline` (accepted_at + major_after)."""
    return not resolved and now >= deadline and deadline > accepted_at

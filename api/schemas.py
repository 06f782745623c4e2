"""Response models shared by every router (errors, health) and the way times are rendered.
Field names are a public contract: keep them as they are. Each feature's own models live beside
its router (calls/schemas.py).

Times are rendered in the company's time zone with its offset and millisecond precision, e.g.
``2026-11-23T10:00:00.123+08:00``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

LocalTime = Annotated[
    datetime,
    PlainSerializer(lambda d: d.isoformat(timespec="milliseconds"), return_type=str,
                    when_used="json"),
]


# The largest id a database integer holds: larger ids in a path are refused (422), not passed
# to the database (which cannot even compare them).
MAX_ID = 2**63 - 1

_ISO_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?"
    r"(Z|[+-]\d{2}:?\d{2})?)?$", re.IGNORECASE)
# Times before or after these select the same calls as these (none are that old or new) and
# stay far from datetime's own limits, so no zone conversion can overflow.
_EARLIEST, _LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC)


def _iso_time(value: object) -> object:
    """Only ISO 8601 text is a time here: pydantic would also take 0.5 as a Unix timestamp."""
    m = _ISO_TIME.match(value.strip()) if isinstance(value, str) else None
    if m is None:
        raise ValueError("must be an ISO 8601 date or time, e.g. 2026-11-23T10:00:00+08:00")
    day, hour, minute, second, fraction, zone = m.groups()
    text = day
    if hour is not None:
        # RFC 3339 allows a leap second and any number of fraction digits; datetime does not.
        text += f"T{hour}:{minute}:{min(int(second or 0), 59):02d}"
        text += f".{fraction[:6]}" if fraction else ""
        text += "+00:00" if zone in ("Z", "z") else (zone or "")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as e:
        raise ValueError(f"is not a valid time: {e}") from e
    probe = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    if probe < _EARLIEST:
        return _EARLIEST
    if probe > _LATEST:
        return _LATEST
    return parsed


# A time in a query: ISO 8601 only; without an offset it is read in the company's time zone.
QueryTime = Annotated[datetime, BeforeValidator(_iso_time)]


def in_zone(value: datetime | None, tz: tzinfo) -> datetime | None:
    """A time from a request: without an offset it is the company's local time."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=tz)
    return value


def local_time(value: datetime | None, tz: tzinfo) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        # SQLite drops the offset; the store always writes UTC.
        value = value.replace(tzinfo=UTC)
    return value.astimezone(tz)


class Health(BaseModel):
    """Besides these two, one boolean (or informational value) per component the service
    reports, e.g. ``asterisk``, ``fastagi``, ``pending_records``."""

    model_config = ConfigDict(extra="allow")

    status: str
    database: bool


class ErrorOut(BaseModel):
    error_id: str
    message: str
    details: dict[str, Any]

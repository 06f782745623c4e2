"""Response models shared by every router (errors, health) and the way times are rendered.
Field names are a public contract: keep them as they are. Each feature's own models live beside
its router (calls/schemas.py).

Times are rendered in the company's time zone with its offset and millisecond precision, e.g.
``2026-11-23T10:00:00.123+08:00``."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer

LocalTime = Annotated[
    datetime,
    PlainSerializer(lambda d: d.isoformat(timespec="milliseconds"), return_type=str,
                    when_used="json"),
]


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

"""Request bodies of the /qa routes, and how stored rows are rendered. Field names are the
issue's contract."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import MAX_ID, local_time
from qa.models import QaReview
from qa.scoring import Form, ScoredItem


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanIn(_Body):
    month: str = Field(description="YYYY-MM")


class LiveIn(_Body):
    call_id: int = Field(ge=1, le=MAX_ID)


class WeekIn(_Body):
    week: str = Field(description="ISO week, YYYY-Www")


class ReviewItemIn(_Body):
    id: str
    points: float
    note: str = ""
    at_seconds: float | None = Field(None, ge=0)

    def scored(self) -> ScoredItem:
        return ScoredItem(self.id, self.points, self.note, self.at_seconds)


class ReviewIn(_Body):
    call_id: int = Field(ge=1, le=MAX_ID)
    form: str = "r23"
    items: list[ReviewItemIn] = []
    comment: str = ""
    excellent: bool = False


class ReviewPatch(_Body):
    items: list[ReviewItemIn] | None = None
    comment: str | None = None
    excellent: bool | None = None


class FormItemIn(_Body):
    id: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1)
    max_points: float
    auto: str | None = None
    phrases: list[str] = []


class FormIn(_Body):
    id: str = Field(pattern=r"^[a-z0-9_-]{1,32}$")
    name: str = Field(min_length=1, max_length=128)
    items: list[FormItemIn]


def time_out(value: datetime | None, tz: tzinfo) -> str | None:
    local = local_time(value, tz)
    return None if local is None else local.isoformat(timespec="milliseconds")


def form_out(form: Form) -> dict[str, Any]:
    return {"id": form.id, "name": form.name, "max_total": form.max_total,
            "items": [{"id": i.id, "title": i.title, "max_points": i.max_points,
                       "auto": i.auto, **({"phrases": list(i.phrases)} if i.phrases else {})}
                      for i in form.items]}


def review_out(r: QaReview, tz: tzinfo) -> dict[str, Any]:
    return {"id": r.id, "version": r.version, "supersedes": r.supersedes, "status": r.status,
            "call_id": r.call_id, "agent": r.agent, "month": r.month, "form": r.form_id,
            "items": r.items, "comment": r.comment, "excellent": r.excellent,
            "total": r.total, "max_total": r.max_total,
            "full_marks": r.total >= r.max_total,
            "created_at": time_out(r.created_at, tz),
            "confirmed_at": time_out(r.confirmed_at, tz)}

"""Scoring (R23), pure: QA forms, checking a review's points against its form, totals, and the
prefill that turns a call's automatic QA flags into suggested points and evidence spans."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class FormItem:
    id: str
    title: str
    max_points: float
    auto: str | None = None  # "dead_air" / "overtalk": prefilled from the call's QA flags
    phrases: tuple[str, ...] = ()  # forbidden_phrases: what the reviewer listens for


@dataclass(frozen=True)
class Form:
    id: str
    name: str
    items: tuple[FormItem, ...]

    @property
    def max_total(self) -> float:
        return sum(i.max_points for i in self.items)

    def item(self, item_id: str) -> FormItem | None:
        return next((i for i in self.items if i.id == item_id), None)


class ScoreError(ValueError):
    """A review or form the rules refuse; `field` names where (e.g. "items[2].points")."""

    def __init__(self, field: str, kind: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.kind = field, kind


@cache
def forbidden_phrases() -> tuple[str, ...]:
    """服务忌语, the seeds' list shipped as data (qa/forbidden_phrases.json)."""
    text = resources.files("qa").joinpath("forbidden_phrases.json").read_text("utf-8")
    return tuple(json.loads(text)["phrases"])


def default_form() -> Form:
    """The shipped form `r23`: 100 points over what R23 names."""
    return Form("r23", "R23 服务质量评分", (
        FormItem("greeting", "开头语", 10),
        FormItem("closing", "结束语 (请问还有什么可以帮助您? 感谢您的来电)", 10),
        FormItem("forbidden_phrases", "服务忌语", 20, phrases=forbidden_phrases()),
        FormItem("dead_air", "冷场", 15, auto="dead_air"),
        FormItem("interrupting", "打断客户", 15, auto="overtalk"),
        FormItem("understanding", "确认客户理解", 10),
        FormItem("accuracy", "业务解答准确", 20),
    ))


AUTO_KINDS = ("dead_air", "overtalk")


def check_form(form: Form) -> None:
    if not form.items:
        raise ScoreError("items", "form.invalid", "a form needs at least one item")
    seen: set[str] = set()
    for n, item in enumerate(form.items):
        if item.id in seen:
            raise ScoreError(f"items[{n}].id", "form.invalid", f"item id {item.id!r} repeats")
        seen.add(item.id)
        if not item.max_points > 0:
            raise ScoreError(f"items[{n}].max_points", "form.invalid", "points must be positive")
        if item.auto is not None and item.auto not in AUTO_KINDS:
            raise ScoreError(f"items[{n}].auto", "form.invalid",
                             f"auto is one of {', '.join(AUTO_KINDS)}")


@dataclass(frozen=True)
class ScoredItem:
    id: str
    points: float
    note: str = ""
    at_seconds: float | None = None


@dataclass(frozen=True)
class Score:
    items: tuple[ScoredItem, ...]
    total: float
    max_total: float

    @property
    def full_marks(self) -> bool:
        return self.total >= self.max_total

    def deductions(self, form: Form) -> dict[str, float]:
        """Item id -> points lost (only items that lost some)."""
        out: dict[str, float] = {}
        for scored in self.items:
            item = form.item(scored.id)
            if item is not None and scored.points < item.max_points:
                out[scored.id] = item.max_points - scored.points
        return out


def score(form: Form, given: Sequence[ScoredItem]) -> Score:
    """Checks the points against the form; an item left out scores full marks (reviewers note
    deductions, not every item)."""
    by_id: dict[str, ScoredItem] = {}
    for n, scored in enumerate(given):
        item = form.item(scored.id)
        if item is None:
            raise ScoreError(f"items[{n}].id", "review.unknown_item",
                             f"form {form.id} has no item {scored.id!r}")
        if scored.id in by_id:
            raise ScoreError(f"items[{n}].id", "review.unknown_item",
                             f"item {scored.id!r} is scored twice")
        if not 0 <= scored.points <= item.max_points:
            raise ScoreError(f"items[{n}].points", "review.invalid_points",
                             f"{scored.id}: points must be 0..{item.max_points}")
        by_id[scored.id] = scored
    items = tuple(by_id.get(i.id, ScoredItem(i.id, i.max_points)) for i in form.items)
    return Score(items, sum(i.points for i in items), form.max_total)


@dataclass(frozen=True)
class Evidence:
    item: str
    kind: str  # dead_air / overtalk
    start: float
    end: float


@dataclass(frozen=True)
class Suggestion:
    item: FormItem
    points: float
    evidence: list[Evidence] = field(default_factory=list)


def _spans(value: Any) -> list[tuple[float, float, Any]]:
    """The spans of one flag as the analysis writes them ([{start, end, by?}, ...]); anything
    else (a failed analysis, a record imported from another system) has no evidence."""
    if not isinstance(value, list):
        return []
    spans = []
    for span in value:
        if isinstance(span, Mapping):
            try:
                spans.append((float(span["start"]), float(span["end"]), span.get("by")))
            except (KeyError, TypeError, ValueError):
                continue
    return spans


def prefill(form: Form, qa_flags: Mapping[str, Any] | None) -> list[Suggestion]:
    """Suggested points: an `auto` item with any flagged span suggests 0 (冷场 and 打断 are
    faults, not degrees; the reviewer listens and adjusts), full marks otherwise; items
    without `auto` suggest full marks. Overtalk counts only when the agent interrupted."""
    flags = qa_flags or {}
    out: list[Suggestion] = []
    for item in form.items:
        evidence: list[Evidence] = []
        if item.auto == "dead_air":
            evidence = [Evidence(item.id, "dead_air", start, end)
                        for start, end, _by in _spans(flags.get("dead_air"))]
        elif item.auto == "overtalk":
            evidence = [Evidence(item.id, "overtalk", start, end)
                        for start, end, by in _spans(flags.get("overtalk")) if by == "agent"]
        out.append(Suggestion(item, 0.0 if evidence else item.max_points, evidence))
    return out

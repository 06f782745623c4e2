"""Errors of the /qa routes (status, error_id); `details.field` names the field at fault::

    NotFound                      404
    ├── PlanNotFound                  qa.plan_not_found
    ├── ReviewNotFound                review.not_found
    ├── FormNotFound                  form.not_found
    └── ReportNotFound                report.not_found
    Conflict                      409
    ├── ReviewConfirmed               review.confirmed     a confirmed review is immutable
    ├── ReviewNotConfirmed            review.draft         revise only a confirmed review
    ├── ReviewSuperseded              review.superseded    revise the latest version only
    ├── ReviewExists                  review.exists        the call has a review already
    └── ReportConfirmed               report.confirmed     a published report is final
    InvalidRequest                422
    ├── InvalidMonth                  qa.invalid_month / qa.invalid_week
    ├── ReviewRefused                 review.invalid_points, review.unknown_item,
    │                                 review.no_recording, review.call_not_found, form.invalid
    └── LiveRefused                   qa.live_refused      the call is not the agent's handled
                                                           call of that month
"""

from __future__ import annotations

from typing import Any

from api.errors import ApiError, InvalidRequest, NotFound


class Conflict(ApiError):
    status = 409
    error_id = "qa.conflict"
    message = "conflict"


class PlanNotFound(NotFound):
    error_id = "qa.plan_not_found"
    message = "no plan for this month yet: POST /qa/plans builds it"


class ReviewNotFound(NotFound):
    error_id = "review.not_found"
    message = "no such review"


class FormNotFound(NotFound):
    error_id = "form.not_found"
    message = "no such form"


class ReportNotFound(NotFound):
    error_id = "report.not_found"
    message = "no report for this week yet"


class ReviewConfirmed(Conflict):
    error_id = "review.confirmed"
    message = "a confirmed review cannot change: POST /qa/reviews/{id}/revisions corrects it"


class ReviewNotConfirmed(Conflict):
    error_id = "review.draft"
    message = "this review is a draft: edit it with PATCH instead"


class ReviewSuperseded(Conflict):
    error_id = "review.superseded"
    message = "a later version of this review exists: revise that one"


class ReviewExists(Conflict):
    error_id = "review.exists"
    message = "this call has a review already"


class ReportConfirmed(Conflict):
    error_id = "report.confirmed"
    message = "this weekly report is published already"


class InvalidMonth(InvalidRequest):
    error_id = "qa.invalid_month"
    message = "not a month like 2026-11"


class InvalidWeek(InvalidRequest):
    error_id = "qa.invalid_week"
    message = "not an ISO week like 2026-W48"


class Refused(InvalidRequest):
    """422 whose error_id comes from the rule that refused (qa.scoring.ScoreError.kind)."""

    def __init__(self, error_id: str, field: str, message: str,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message, {"field": field, **(extra or {})})
        self.error_id = error_id

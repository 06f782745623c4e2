"""Errors of GET /audit (status, error_id)::

    InvalidRequest                422
    ├── AuditCursorInvalid            audit.cursor_invalid      malformed, edited, other filters
    └── AuditCursorWithOffset         audit.cursor_with_offset  both cursor and offset given
"""

from __future__ import annotations

from api.errors import InvalidRequest


class _CursorError(InvalidRequest):
    """Names the parameter the way request.invalid does (details.errors[0].location)."""

    reason = "not a cursor of this list"

    def __init__(self, reason: str | None = None) -> None:
        reason = reason or self.reason
        super().__init__(f"query.cursor: {reason}", {"errors": [
            {"location": "query.cursor", "message": reason, "type": self.error_id}]})


class AuditCursorInvalid(_CursorError):
    error_id = "audit.cursor_invalid"


class AuditCursorWithOffset(_CursorError):
    error_id = "audit.cursor_with_offset"
    reason = "a page starts at a cursor or at an offset, not both"

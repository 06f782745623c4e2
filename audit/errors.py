"""Errors of GET /audit (status, error_id)::

    InvalidRequest                422
    ├── AuditCursorInvalid            audit.cursor_invalid      malformed, edited, other filters
    └── AuditCursorWithOffset         audit.cursor_with_offset  both cursor and offset given
"""

from __future__ import annotations

from api.errors import CursorError


class AuditCursorInvalid(CursorError):
    error_id = "audit.cursor_invalid"


class AuditCursorWithOffset(CursorError):
    error_id = "audit.cursor_with_offset"
    reason = "a page starts at a cursor or at an offset, not both"

"""Errors of the /calls routes (status, error_id)::

    NotFound                      404
    ├── CallNotFound                  call.not_found
    ├── RecordingNotFound             recording.not_found   the call has no recording
    ├── RecordingMissing              recording.missing     recorded, but the file is gone
    └── RecordingPathRefused          recording.path_refused  stored path leaves the folder
    RangeNotSatisfiable           416 recording.range_not_satisfiable  (Content-Range: bytes */N)
    RecordingUnreadable           409 recording.unreadable  the file is there but is not audio
    InvalidRequest                422
    ├── InvalidPeriod                 calls.invalid_period  since is not before until
    ├── CursorInvalid                 calls.cursor_invalid  malformed, edited, or other filters
    └── CursorWithOffset              calls.cursor_with_offset  both cursor and offset given
"""

from __future__ import annotations

from api.errors import ApiError, CursorError, InvalidRequest, NotFound


class CallNotFound(NotFound):
    error_id = "call.not_found"
    message = "no such call"


class RecordingNotFound(NotFound):
    error_id = "recording.not_found"
    message = "this call has no recording"


class RecordingMissing(NotFound):
    error_id = "recording.missing"
    message = "the recording file of this call is missing"


class RecordingPathRefused(NotFound):
    error_id = "recording.path_refused"
    message = "the recording's stored path is outside the recordings folder"


class RangeNotSatisfiable(ApiError):
    status = 416
    error_id = "recording.range_not_satisfiable"
    message = "requested range not satisfiable"

    def __init__(self, size: int, range_header: str) -> None:
        super().__init__(details={"size": size, "range": range_header},
                         headers={"Content-Range": f"bytes */{size}"})


class InvalidPeriod(InvalidRequest):
    error_id = "calls.invalid_period"
    message = "since must be before until"


class RecordingUnreadable(ApiError):
    """Its waveform cannot be drawn: the stored file is not audio soundfile can read."""

    status = 409
    error_id = "recording.unreadable"
    message = "the recording file of this call cannot be read as audio"


class CursorInvalid(CursorError):
    error_id = "calls.cursor_invalid"


class CursorWithOffset(CursorError):
    error_id = "calls.cursor_with_offset"
    reason = "a page starts at a cursor or at an offset, not both"

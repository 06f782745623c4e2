"""Paging cursors of the API's newest-first lists (issue 9): where the next page starts, instead
of an offset. GET /calls and GET /audit use them.

An offset makes the database step over every row before the page: at a million calls,
`?offset=900000` took 129 ms (p95) on PostgreSQL, and it grows with the depth. A cursor names
the last row served, (time, id) in the list's order (newest first, the id breaking ties of the
same time), so the next page is a seek on a (…, time, id) index (for calls those of migration
0011): `WHERE (started_at, id) < (:t, :id)`, the same cost at any depth.

The cursor also carries the list's name and its filters' fingerprint (a cursor used with other
filters, or on another list, would resume a different list: refused), and the position of the
next page (its `offset` in the response, and what `total` counts from). It is opaque to
clients, but neither secret nor a grant: the filters, an agent token's own-calls restriction
and the masking are applied from the request, never from the cursor; it only says where to
resume. Its check value makes an edited or truncated cursor an error instead of a page that
silently resumes elsewhere; it does not depend on the process, so a walk survives a restart.

Format ``<payload>.<check>``, both base64url; payload: JSON ``{"v": 1, "t": <time in µs since
the epoch, UTC>, "id": <row id>, "p": <position>, "f": <list and filters' fingerprint>}``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

VERSION = 1
# The check value is an HMAC over the payload with this fixed key: a checksum against edits
# and truncation (see above why it need not be a secret).
_CHECK_KEY = b"hotline list cursor v1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
MAX_ID = 2**63 - 1  # a row id both databases can bind (api.schemas.MAX_ID)
MAX_LENGTH = 400  # a cursor is ~120 characters; the query parameter refuses longer ones


@dataclass(frozen=True)
class Seek:
    """Where a page starts when paging by cursor (keyset): after the row (time, id) in the
    list's order, `position` rows into the matches (counted along the walk)."""

    started_at: datetime
    id: int
    position: int


class CursorError(ValueError):
    """The cursor is malformed, edited, or for other filters; the text says which."""


def fingerprint(kind: str, f: Any) -> str:
    """The list (`calls`, `audit`) and its filters (a dataclass) a cursor belongs to, compared
    exactly (times as UTC instants, so the same since in another zone is the same filter)."""
    canonical = {k: (v.astimezone(UTC).isoformat() if isinstance(v, datetime) else v)
                 for k, v in asdict(f).items()}
    canonical["list"] = kind
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return _b64(hashlib.sha256(text.encode()).digest()[:9])


def encode(kind: str, seek: Seek, f: Any) -> str:
    started = seek.started_at if seek.started_at.tzinfo else seek.started_at.replace(tzinfo=UTC)
    body = {"v": VERSION, "t": (started - _EPOCH) // _MICRO, "id": seek.id,
            "p": seek.position, "f": fingerprint(kind, f)}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{payload}.{_check(payload)}"


def decode(kind: str, cursor: str, f: Any) -> Seek:
    """Where the page after the cursor starts; CursorError if the cursor is not one this API
    gave for this list with these filters."""
    payload, _, check = cursor.partition(".")
    # Compared as bytes: compare_digest refuses str with non-ASCII characters.
    if not payload or not hmac.compare_digest(_check(payload).encode(),
                                              check.encode(errors="replace")):
        raise CursorError("not a cursor this API gave (damaged or edited)")
    try:
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        version, t, ident, position, prints = (body["v"], body["t"], body["id"], body["p"],
                                               body["f"])
        if version != VERSION or not all(_integer(x) for x in (t, ident, position)):
            raise CursorError("not a cursor of this version")
        if not (1 <= ident <= MAX_ID and 0 <= position <= MAX_ID):
            raise CursorError("the cursor's row is out of range")
        started = _EPOCH + t * _MICRO
    except (ValueError, KeyError, TypeError, OverflowError, binascii.Error) as e:
        if isinstance(e, CursorError):
            raise
        raise CursorError("not a cursor this API gave (unreadable)") from e
    if prints != fingerprint(kind, f):
        raise CursorError("the cursor belongs to other filters (or another list): keep the "
                          "filters of the page that gave it")
    return Seek(started, ident, position)


def _integer(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _check(payload: str) -> str:
    return _b64(hmac.new(_CHECK_KEY, payload.encode(), hashlib.sha256).digest()[:12])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

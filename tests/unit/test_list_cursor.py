"""The lists' cursor text (callrecords/keyset.py, issue 9): it gives back exactly where the walk
stopped, for the list and filters it was made for only; anything else a client may send (an
edited, truncated or made-up cursor, one for other filters or another list) is a CursorError,
never another exception that would answer 500."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.store import AuditFilter
from callrecords.keyset import CursorError, Seek, _check, fingerprint
from callrecords.keyset import decode as decode_any
from callrecords.keyset import encode as encode_any
from callrecords.store import CallFilter

MAX_ID = 2**63 - 1


def encode(seek: Seek, f: CallFilter) -> str:
    return encode_any("calls", seek, f)


def decode(cursor: str, f: CallFilter) -> Seek:
    return decode_any("calls", cursor, f)

seeks = st.builds(
    Seek,
    started_at=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1),
                            timezones=st.just(UTC)),
    id=st.integers(1, MAX_ID), position=st.integers(0, MAX_ID))
call_filters = st.builds(
    CallFilter,
    since=st.none() | st.datetimes(timezones=st.just(UTC)),
    caller=st.none() | st.text(max_size=12), agent=st.none() | st.text(max_size=6),
    disposition=st.none() | st.sampled_from(["answered", "missed"]),
    dead_air=st.none() | st.booleans(), overtalk=st.none() | st.booleans())


@given(seeks, call_filters)
def test_a_cursor_gives_back_its_row_and_position(seek: Seek, f: CallFilter) -> None:
    assert decode(encode(seek, f), f) == seek


def test_a_naive_time_from_sqlite_is_utc() -> None:
    naive = Seek(datetime(2026, 11, 23, 2, 0, 0, 123456), 7, 50)
    assert decode(encode(naive, CallFilter()), CallFilter()) == Seek(
        naive.started_at.replace(tzinfo=UTC), 7, 50)


@given(seeks, call_filters, call_filters)
def test_a_cursor_is_refused_with_other_filters(seek: Seek, made: CallFilter,
                                                used: CallFilter) -> None:
    cursor = encode(seek, made)
    if made == used:
        assert decode(cursor, used) == seek
    else:
        with pytest.raises(CursorError, match="other filters"):
            decode(cursor, used)


def test_the_same_instant_in_another_zone_is_the_same_filter() -> None:
    utc = CallFilter(since=datetime(2026, 11, 23, 0, 0, tzinfo=UTC))
    shanghai = CallFilter(since=datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
    seek = Seek(datetime(2026, 11, 24, tzinfo=UTC), 3, 2)
    assert decode(encode(seek, utc), shanghai) == seek


@given(seeks, st.data())
def test_an_edited_cursor_is_refused(seek: Seek, data: st.DataObject) -> None:
    cursor = encode(seek, CallFilter())
    at = data.draw(st.integers(0, len(cursor) - 1))
    replacement = data.draw(st.characters(codec="ascii").filter(lambda c: c != cursor[at]))
    with pytest.raises(CursorError):
        decode(cursor[:at] + replacement + cursor[at + 1:], CallFilter())
    with pytest.raises(CursorError):
        decode(cursor[:at], CallFilter())


@given(st.text(max_size=300))
def test_any_text_is_a_cursor_error_or_nothing_else(text: str) -> None:
    with pytest.raises(CursorError):
        decode(text, CallFilter())


def _made_up(body: object) -> str:
    """A cursor with a valid check value around a payload this API never makes: the check is a
    checksum, not a secret, so the payload's fields are validated on their own."""
    payload = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    return f"{payload}.{_check(payload)}"


@pytest.mark.parametrize("body", [
    [1, 2], {"v": 2, "t": 0, "id": 1, "p": 0, "f": ""}, {"v": 1, "t": 0, "id": 0, "p": 0},
    {"v": 1, "t": 0, "id": MAX_ID + 1, "p": 0, "f": ""}, {"v": 1, "t": 0, "id": 1, "p": -1,
                                                         "f": ""},
    {"v": 1, "t": 10**30, "id": 1, "p": 0, "f": ""}, {"v": 1, "t": 1.5, "id": 1, "p": 0,
                                                      "f": ""},
    {"v": 1, "t": 0, "id": True, "p": 0, "f": ""}, {"v": 1, "t": "0", "id": 1, "p": 0, "f": ""},
])
def test_a_made_up_payload_is_refused(body: object) -> None:
    with pytest.raises(CursorError):
        decode(_made_up(body), CallFilter())


def test_a_made_up_payload_for_these_filters_seeks_where_it_says() -> None:
    # Not a grant: the request's filters and the agent restriction still apply (tests/api).
    t = datetime(2026, 1, 1, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    cursor = _made_up({"v": 1, "t": t // timedelta(microseconds=1), "id": 9, "p": 4,
                       "f": fingerprint("calls", CallFilter())})
    assert decode(cursor, CallFilter()) == Seek(datetime(2026, 1, 1, tzinfo=UTC), 9, 4)


def test_a_cursor_of_one_list_is_refused_by_another() -> None:
    seek = Seek(datetime(2026, 11, 24, tzinfo=UTC), 3, 2)
    cursor = encode_any("audit", seek, AuditFilter())
    assert decode_any("audit", cursor, AuditFilter()) == seek
    with pytest.raises(CursorError, match="other filters"):
        decode(cursor, CallFilter())

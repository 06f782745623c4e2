"""The pure rules of API tokens (issue 13): the CLI's --expires reads exactly `<1-3650>d` (or
never), and a token's state is revoked over expired over active, expiry at the instant given."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st

from credentials.store import EXPIRY_DAYS_MAX, StoredToken
from hotline.tokens_cli import expiry_days

T0 = datetime(2026, 12, 7, tzinfo=UTC)


@given(st.integers(1, EXPIRY_DAYS_MAX))
def test_days_are_read(days: int) -> None:
    assert expiry_days(f"{days}d") == days


@given(st.text(max_size=8))
def test_anything_else_is_refused(text: str) -> None:
    match = re.fullmatch(r"[0-9]{1,5}d", text.strip())
    if text == "never" or (match and 1 <= int(text.strip()[:-1]) <= EXPIRY_DAYS_MAX):
        return
    with pytest.raises(typer.Exit):
        expiry_days(text)


def test_never_and_nothing_mean_no_expiry() -> None:
    assert expiry_days(None) is None and expiry_days("never") is None


@given(expires=st.one_of(st.none(), st.integers(-10_000, 10_000)),
       revoked=st.one_of(st.none(), st.integers(-10_000, 10_000)))
def test_state(expires: int | None, revoked: int | None) -> None:
    token = StoredToken(1, "王五", "qa", "abcd1234", T0 - timedelta(days=1), "cli:root",
                        None if expires is None else T0 + timedelta(seconds=expires),
                        None if revoked is None else T0 + timedelta(seconds=revoked))
    state = token.state(T0)
    if revoked is not None:
        assert state == "revoked"
    elif expires is not None and expires <= 0:
        assert state == "expired"
    else:
        assert state == "active"

"""The ban book (sipguard.bans, issue 13): failures per address in a sliding window, bans that
end, the carrier never banned, one request reported twice counted once; on a made clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from sipguard.bans import BanBook, BanRule, acl_text

T0 = datetime(2026, 12, 7, 10, tzinfo=UTC)
RULE = BanRule(5, timedelta(seconds=60), timedelta(seconds=900), ("127.0.0.10",))


def test_the_fifth_failure_within_the_window_bans_until_the_duration_ends() -> None:
    book = BanBook(RULE)
    assert [book.failure("10.0.0.9", T0 + timedelta(seconds=n), f"c{n}") for n in range(5)] \
        == [False, False, False, False, True]
    assert book.banned == ["10.0.0.9"]
    assert book.expire(T0 + timedelta(seconds=903)) == []
    assert book.expire(T0 + timedelta(seconds=904)) == ["10.0.0.9"] and book.banned == []


def test_failures_spread_wider_than_the_window_never_ban() -> None:
    book = BanBook(RULE)
    assert not any(book.failure("10.0.0.9", T0 + timedelta(seconds=20 * n), f"c{n}")
                   for n in range(50))


def test_the_carrier_and_non_addresses_are_never_banned_and_zero_turns_it_off() -> None:
    book = BanBook(RULE)
    assert not any(book.failure("127.0.0.10", T0, f"c{n}") for n in range(20))
    assert not any(book.failure("not-an-ip", T0, f"c{n}") for n in range(20))
    off = BanBook(BanRule(0, timedelta(seconds=60), timedelta(seconds=60)))
    assert not any(off.failure("10.0.0.9", T0, f"c{n}") for n in range(20))


def test_one_request_reported_several_times_counts_once() -> None:
    book = BanBook(RULE)
    assert not any(book.failure("10.0.0.9", T0, "same-call-id") for _ in range(20))
    assert book.failure("10.0.0.9", T0, "a") is False


@given(st.lists(st.tuples(st.sampled_from(["10.0.0.1", "10.0.0.2", "::1"]),
                          st.integers(0, 600)), max_size=60))
def test_a_ban_needs_five_distinct_failures_within_sixty_seconds(
        knocks: list[tuple[str, int]]) -> None:
    book = BanBook(RULE)
    times: dict[str, list[int]] = {}
    for n, (address, second) in enumerate(sorted(knocks, key=lambda k: k[1])):
        banned_now = book.failure(address, T0 + timedelta(seconds=second), f"c{n}")
        if address in book.banned and not banned_now:
            continue
        times.setdefault(address, []).append(second)
        recent = [t for t in times[address] if t > second - 60]
        assert banned_now == (len(recent) >= 5)
        if banned_now:
            times[address] = []


def test_the_acl_text() -> None:
    assert "[hotline-bans]" not in acl_text([])
    text = acl_text(["10.0.0.2", "10.0.0.1", "10.0.0.2"])
    assert "[hotline-bans]\ntype = acl\ndeny = 10.0.0.1\ndeny = 10.0.0.2\n" in text

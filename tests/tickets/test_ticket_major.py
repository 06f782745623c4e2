"""Major complaints (R14) and the assistance callback share (R15)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.tickets.ticket_fixtures import Desk
from tickets.clocks import choose_for_callback
from tickets.major import Complaint, collective_members


def complaint(desk: Desk, number: str, matter: str = "停水", **extra: Any) -> dict:
    return desk.create(category="complaint", complaint_kind="responsible", matter=matter,
                       customer={"number": number}, **extra)


def test_four_customers_are_not_collective_five_are(desk: Desk) -> None:
    first = [complaint(desk, f"1390000000{i}") for i in range(4)]
    complaint(desk, "13900000000")  # the same customer again: still four customers
    complaint(desk, "13900000099", matter="停电")  # another matter
    for t in first:
        assert desk.get(t["id"])["severity"] == "general"
    desk.clock.advance(hours=23)
    fifth = complaint(desk, "13900000005")
    assert fifth["severity"] == "major" and fifth["major_reason"] == "collective"
    group = fifth["group_id"]
    assert group
    for t in first:
        now = desk.get(t["id"])
        assert (now["severity"], now["major_reason"], now["group_id"]) == (
            "major", "collective", group)
        assert now["events"][-1]["type"] == "major"
        assert now["events"][-1]["reason"] == "collective"
        result = next(c for c in now["clocks"] if c["name"] == "result")
        assert result["due_at"] == "2026-11-25T18:00:00.000+08:00"  # re-timed: 2wd
    listed = desk.client.get("/tickets", params={"severity": "major"},
                             headers=desk.as_("supervisor")).json()
    assert listed["total"] == 6  # the repeat customer's second complaint is in the window too


def test_five_customers_outside_the_window_are_not_collective(desk: Desk) -> None:
    for i in range(4):
        complaint(desk, f"1390000000{i}")
    desk.clock.advance(hours=24, seconds=1)
    assert complaint(desk, "13900000005")["severity"] == "general"


def test_flags_make_a_responsible_complaint_major(desk: Desk) -> None:
    t = complaint(desk, "13900000001", flags={"government_media": True})
    assert (t["severity"], t["major_reason"]) == ("major", "government_media")
    assert t["flags"] == {"government_media": True, "serious_loss": False,
                          "repeated_unresolved": False}
    other = complaint(desk, "13900000002", matter="other")
    t2 = desk.ok(other["id"], type="classify", flags={"serious_loss": True})
    assert (t2["severity"], t2["major_reason"]) == ("major", "serious_loss")
    inquiry = desk.create(category="inquiry", flags={"serious_loss": True})
    assert inquiry["severity"] is None  # only responsible complaints become major


def test_a_month_unresolved_makes_it_major(desk: Desk) -> None:
    t = complaint(desk, "13900000001")
    desk.clock.advance(days=30)
    tid = t["id"]
    # the breach watcher re-settles a ticket when its next due time comes (tickets.watcher)
    desk.client.app.state.ticket_desk.refresh(tid)  # type: ignore[attr-defined]
    now = desk.get(tid)
    assert (now["severity"], now["major_reason"]) == ("major", "unresolved_month")


def test_at_least_the_share_of_assistance_complaints_get_a_callback(desk: Desk) -> None:
    chosen = []
    for i in range(10):
        t = desk.create(category="complaint", complaint_kind="assistance",
                        customer={"number": f"1370000000{i}"})
        desk.ok(t["id"], type="resolve", result="done")
        has = any(c["name"] == "callback" for c in desk.get(t["id"])["clocks"])
        chosen.append(has)
    # ceil(0.3 n) of the first n: the 1st, 4th and 7th; 3 of 10 is the share exactly
    assert chosen == [True, False, False, True, False, False, True, False, False, False]
    cb = next(c for c in desk.get(1)["clocks"] if c["name"] == "callback")
    assert cb["due_at"] == "2026-11-26T10:00:00.000+08:00"  # 3d wall clock


@given(st.lists(st.booleans(), max_size=60), st.floats(min_value=0, max_value=1))
def test_every_prefix_of_a_month_meets_the_share(_seq: list[bool], share: float) -> None:
    chosen = 0
    for n in range(1, len(_seq) + 1):
        chosen += choose_for_callback(chosen, n, share)
        assert chosen >= share * n - 1e-9
        assert chosen <= share * n + 1


T0 = datetime(2026, 11, 23, 2, tzinfo=UTC)


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 72 * 60)), min_size=1,
                max_size=12))
def test_collective_members_share_a_window_with_enough_customers(
        items: list[tuple[int, int]]) -> None:
    complaints = [Complaint(i, f"c{who}", T0 + timedelta(minutes=m))
                  for i, (who, m) in enumerate(items)]
    window = timedelta(hours=24)
    for this in complaints:
        members = collective_members(this, complaints, lambda t: t + window, 5)
        if members:
            assert this.id in members
            group = [c for c in complaints if c.id in members]
            assert len({c.customer for c in group}) >= 5
        else:
            near = [c for c in complaints if abs(c.accepted_at - this.accepted_at) <= window]
            assert len({c.customer for c in near}) < 5 or not any(
                len({c.customer for c in complaints
                     if s.accepted_at <= c.accepted_at <= s.accepted_at + window}) >= 5
                and s.accepted_at <= this.accepted_at <= s.accepted_at + window
                for s in complaints)

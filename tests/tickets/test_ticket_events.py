"""Every event in every status (R17): what is allowed and where it leads, and what is refused
with 409 ticket.transition_invalid naming the status and the event."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tickets.ticket_fixtures import Desk

BODIES: dict[str, dict[str, Any]] = {
    "classify": {"cause": "quality"},
    "assign": {"assignee": "客服部"},
    "start": {},
    "react": {},
    "reply": {"note": "called the customer"},
    "resolve": {"result": "fixed"},
    "callback": {"result": "satisfied"},
    "reopen": {"reason": "still broken"},
    "comment": {"note": "a note"},
    "close": {},
}

# How a ticket gets into each status, from new.
PATHS = {"new": [], "in_progress": ["start"], "resolved": ["resolve"],
         "closed": ["resolve", "close"], "reopened": ["resolve", "reopen"]}

# status -> event -> the status after it (None: refused, 409).
EXPECTED: dict[str, dict[str, str | None]] = {
    "new": {"classify": "new", "assign": "new", "start": "in_progress", "react": "new",
            "reply": "new", "resolve": "resolved", "callback": None, "reopen": None,
            "comment": "new", "close": None},
    "in_progress": {"classify": "in_progress", "assign": "in_progress", "start": None,
                    "react": "in_progress", "reply": "in_progress", "resolve": "resolved",
                    "callback": None, "reopen": None, "comment": "in_progress",
                    "close": None},
    "resolved": {"classify": "resolved", "assign": None, "start": None, "react": None,
                 "reply": "resolved", "resolve": None, "callback": "resolved",
                 "reopen": "reopened", "comment": "resolved", "close": "closed"},
    "closed": {"classify": None, "assign": None, "start": None, "react": None,
               "reply": None, "resolve": None, "callback": None, "reopen": "reopened",
               "comment": "closed", "close": None},
    "reopened": {"classify": "reopened", "assign": "reopened", "start": "in_progress",
                 "react": "reopened", "reply": "reopened", "resolve": "resolved",
                 "callback": None, "reopen": None, "comment": "reopened", "close": None},
}


def ticket_in(desk: Desk, status: str) -> int:
    t = desk.create(category="suggestion")
    for event in PATHS[status]:
        desk.ok(t["id"], type=event, **BODIES[event])
    assert desk.get(t["id"])["status"] == status
    return int(t["id"])


@pytest.mark.parametrize("status", list(EXPECTED))
@pytest.mark.parametrize("event", list(BODIES))
def test_every_event_in_every_status(desk: Desk, status: str, event: str) -> None:
    ticket_id = ticket_in(desk, status)
    before = desk.get(ticket_id)
    r = desk.event(ticket_id, "supervisor", type=event, **BODIES[event])
    after = EXPECTED[status][event]
    if after is None:
        assert r.status_code == 409, r.text
        body = r.json()
        assert body["error_id"] == "ticket.transition_invalid"
        assert (body["details"]["status"], body["details"]["event"]) == (status, event)
        assert status in body["message"] and event in body["message"]
        assert desk.get(ticket_id) == before  # nothing written
    else:
        assert r.status_code == 200, r.text
        t = r.json()
        assert t["status"] == after
        last = t["events"][-1]
        assert last["type"] == event and last["by"].startswith("supervisor/")
        assert last["at"] == "2026-11-23T10:00:00.000+08:00"


@pytest.mark.parametrize("body", [
    {"type": "escalate"}, {"type": "created"}, {"type": "major"}, {"type": "callback_call"},
    {"type": "resolve"}, {"type": "resolve", "result": "ok", "colour": "red"},
    {"type": "callback", "result": "happy"}, {"type": "assign"}, {"type": "comment"},
    {"type": "classify", "category": "praise"}, {"type": "classify", "flags": {"x": True}},
    {"type": "classify"}, {"type": "classify", "note": "nothing to classify"},
    {"note": "no type"}])
def test_unknown_events_fields_and_values_are_refused(desk: Desk, body: dict[str, Any]) -> None:
    t = desk.create(category="suggestion")
    r = desk.client.post(f"/tickets/{t['id']}/events", json=body, headers=desk.as_("admin"))
    assert r.status_code == 422, r.text
    assert r.json()["error_id"] == "request.invalid"


def test_events_on_a_missing_ticket_are_404(desk: Desk) -> None:
    r = desk.event(12345, type="comment", note="x")
    assert (r.status_code, r.json()["error_id"]) == (404, "ticket.not_found")


def test_qa_may_not_post_events(desk: Desk) -> None:
    t = desk.create(category="suggestion")
    r = desk.event(t["id"], "qa", type="comment", note="x")
    assert (r.status_code, r.json()["error_id"]) == (403, "auth.forbidden")


def responsible(desk: Desk) -> int:
    return int(desk.create(category="complaint", complaint_kind="responsible",
                           customer={"number": "13800000009"})["id"])


def test_a_responsible_complaint_closes_only_after_its_callback(desk: Desk) -> None:
    tid = responsible(desk)
    desk.ok(tid, type="resolve", result="fixed")
    r = desk.event(tid, type="close")
    assert r.status_code == 409
    assert r.json()["details"]["reason"] == "the customer has not been called back yet"
    desk.ok(tid, type="callback", result="unreachable")  # not a callback made: still owed
    assert desk.event(tid, type="close").status_code == 409
    t = desk.ok(tid, type="callback", result="refused", call_id=desk.call_id)  # R17
    assert t["call_ids"] == [desk.call_id]
    assert [e["result"] for e in t["events"] if e["type"] == "callback"] == [
        "unreachable", "refused"]
    assert desk.ok(tid, type="close")["status"] == "closed"


def test_a_dissatisfied_callback_reopens_and_restarts_the_result_clock(desk: Desk) -> None:
    tid = responsible(desk)
    desk.clock.advance(minutes=30)
    t = desk.ok(tid, type="resolve", result="fixed")
    clocks = {c["name"]: c for c in t["clocks"]}
    assert clocks["result"]["state"] == "met"
    assert clocks["callback"]["starts_at"] == "2026-11-23T10:30:00.000+08:00"
    assert clocks["callback"]["due_at"] == "2026-11-25T18:00:00.000+08:00"  # 2wd
    desk.clock.advance(hours=1)
    t = desk.ok(tid, type="callback", result="dissatisfied")
    assert t["status"] == "reopened"  # R17
    clocks = {c["name"]: c for c in t["clocks"]}
    assert clocks["result"]["starts_at"] == "2026-11-23T11:30:00.000+08:00"
    assert clocks["result"]["due_at"] == "2026-11-23T14:30:00.000+08:00"  # 2wh, lunch skipped
    assert clocks["result"]["state"] == "running"


def test_a_callback_needs_a_known_call(desk: Desk) -> None:
    tid = responsible(desk)
    desk.ok(tid, type="resolve", result="fixed")
    r = desk.event(tid, type="callback", result="satisfied", call_id=999)
    assert (r.status_code, r.json()["error_id"]) == (422, "ticket.unknown_call")


def test_classify_changes_the_clocks(desk: Desk) -> None:
    t = desk.create()
    assert {c["name"] for c in t["clocks"]} == {"start", "reply"}
    t = desk.ok(t["id"], type="classify", category="inquiry")
    assert {c["name"] for c in t["clocks"]} == {"start", "answer", "reply"}
    t = desk.ok(t["id"], type="classify", category="complaint", complaint_kind="responsible",
                matter="noise")
    assert {c["name"] for c in t["clocks"]} == {"start", "result", "callback", "reply"}
    assert t["severity"] == "general" and t["matter"] == "noise"
    t = desk.ok(t["id"], type="assign", assignee="物业部")
    react = next(c for c in t["clocks"] if c["name"] == "react")
    assert react["due_at"] == "2026-11-23T10:10:00.000+08:00"
    t = desk.ok(t["id"], type="react")
    assert next(c for c in t["clocks"] if c["name"] == "react")["state"] == "met"
    r = desk.event(t["id"], type="classify", category="suggestion", complaint_kind="assistance")
    assert (r.status_code, r.json()["error_id"]) == (422, "ticket.invalid_classification")

"""The ticket API as its users see it: create, read, search, roles (R13-R17)."""

from __future__ import annotations

from tests.tickets.ticket_fixtures import Desk


def test_a_ticket_is_created_with_its_clocks_and_timeline(desk: Desk) -> None:
    t = desk.create(category="complaint", complaint_kind="responsible", cause="attitude",
                    matter="water-leak", subject="漏水", description="楼上漏水",
                    customer={"number": "13800000001", "name": "王五"},
                    call_ids=[desk.call_id], channel="phone")
    assert t["status"] == "new" and t["severity"] == "general" and t["major_reason"] is None
    assert t["customer"] == {"number": "13800000001", "name": "王五"}
    assert t["call_ids"] == [desk.call_id]
    assert t["accepted_at"] == "2026-11-23T10:00:00.000+08:00"
    assert [e["type"] for e in t["events"]] == ["created"]
    assert t["events"][0]["by"].startswith("admin/")
    clocks = {c["name"]: c for c in t["clocks"]}
    assert set(clocks) == {"start", "result", "callback", "reply"}
    assert clocks["start"]["due_at"] == "2026-11-23T10:10:00.000+08:00"
    assert clocks["start"]["state"] == "running"
    assert clocks["start"]["remaining_seconds"] == 600
    assert clocks["result"]["due_at"] == "2026-11-23T12:00:00.000+08:00"
    assert clocks["callback"] == {"name": "callback", "starts_at": None, "due_at": None,
                                  "state": "pending", "met_at": None, "remaining_seconds": None}
    assert clocks["reply"]["due_at"] == "2026-11-24T10:00:00.000+08:00"
    assert desk.get(t["id"]) == t


def test_accepted_at_backdates_the_clocks(desk: Desk) -> None:
    t = desk.create(category="inquiry", accepted_at="2026-11-20T17:55:00")
    clocks = {c["name"]: c for c in t["clocks"]}
    assert clocks["start"]["due_at"] == "2026-11-23T09:05:00.000+08:00"  # over the weekend
    assert clocks["start"]["state"] == "breached"
    assert clocks["answer"]["due_at"] == "2026-11-23T17:55:00.000+08:00"


def test_unknown_fields_and_values_are_refused(desk: Desk) -> None:
    for body in ({"category": "praise"}, {"colour": "red"}, {"channel": "fax"},
                 {"customer": {"number": "1", "age": 3}}, {"flags": {"famous": True}},
                 {"accepted_at": "yesterday"}, {"accepted_at": "2027-01-01T00:00:00"}):
        r = desk.client.post("/tickets", json=body, headers=desk.as_("admin"))
        assert r.status_code == 422, body
        assert r.json()["error_id"] == "request.invalid"
    r = desk.client.post("/tickets", json={"category": "inquiry",
                                           "complaint_kind": "responsible"},
                         headers=desk.as_("admin"))
    assert (r.status_code, r.json()["error_id"]) == (422, "ticket.invalid_classification")
    r = desk.client.post("/tickets", json={"call_ids": [999]}, headers=desk.as_("admin"))
    assert (r.status_code, r.json()["error_id"]) == (422, "ticket.unknown_call")


def test_roles(desk: Desk) -> None:
    for role in ("admin", "supervisor", "ticket", "agent:1001"):
        desk.create(role, subject=role)
    r = desk.client.post("/tickets", json={}, headers=desk.as_("qa"))
    assert (r.status_code, r.json()["error_id"]) == (403, "auth.forbidden")
    assert desk.client.get("/tickets", headers=desk.as_("qa")).json()["total"] == 4
    r = desk.client.get("/tickets")
    assert r.status_code == 401


def test_an_agent_sees_only_what_it_created_or_is_assigned(desk: Desk) -> None:
    own = desk.create("agent:1001", subject="mine")
    other = desk.create("agent:1002", subject="theirs")
    assigned = desk.create("admin", subject="for 1001", assignee="1001")
    desk.create("admin", subject="for nobody")
    listed = desk.client.get("/tickets", headers=desk.as_("agent:1001")).json()
    assert sorted(t["id"] for t in listed["items"]) == sorted([own["id"], assigned["id"]])
    assert listed["total"] == 2
    r = desk.client.get(f"/tickets/{other['id']}", headers=desk.as_("agent:1001"))
    assert (r.status_code, r.json()["error_id"]) == (404, "ticket.not_found")
    r = desk.event(other["id"], "agent:1001", type="comment", note="peek")
    assert (r.status_code, r.json()["error_id"]) == (404, "ticket.not_found")
    desk.ok(own["id"], "admin", type="assign", assignee="agent:1002")
    assert desk.get(own["id"], "agent:1002")["assignee"] == "agent:1002"
    assert desk.get(own["id"], "agent:1001")["id"] == own["id"]  # still its creator


def test_filters(desk: Desk) -> None:
    a = desk.create(category="complaint", complaint_kind="responsible", matter="lift",
                    customer={"number": "13900000001"}, assignee="工程部")
    b = desk.create(category="inquiry", customer={"number": "13900000002"},
                    accepted_at="2026-11-22T10:00:00")
    desk.ok(b["id"], type="resolve", result="answered")

    def ids(**query: str) -> list[int]:
        r = desk.client.get("/tickets", params=query, headers=desk.as_("supervisor"))
        assert r.status_code == 200, r.text
        return [t["id"] for t in r.json()["items"]]

    assert ids() == [a["id"], b["id"]]  # newest accepted first
    assert ids(status="resolved") == [b["id"]]
    assert ids(category="complaint") == [a["id"]]
    assert ids(complaint_kind="responsible") == [a["id"]]
    assert ids(severity="general") == [a["id"]]
    assert ids(matter="lift") == [a["id"]]
    assert ids(customer="13900000002") == [b["id"]]
    assert ids(assignee="工程部") == [a["id"]]
    assert ids(since="2026-11-23T00:00:00") == [a["id"]]
    assert ids(until="2026-11-23T00:00:00") == [b["id"]]
    assert ids(limit="1", offset="1") == [b["id"]]
    # b (accepted on Sunday) was not started by 09:10 on Monday: breached already.
    assert ids(breached="true") == [b["id"]]
    c = desk.create(category="suggestion")
    desk.ok(c["id"], type="start")
    desk.ok(c["id"], type="reply")
    desk.clock.advance(minutes=11)  # nobody started a: its start clock breaches now
    assert ids(breached="true") == [a["id"], b["id"]]
    assert ids(breached="false") == [c["id"]]
    r = desk.client.get("/tickets", params={"status": "lost"}, headers=desk.as_("admin"))
    assert r.status_code == 422
    r = desk.client.get("/tickets", params={"limit": "501"}, headers=desk.as_("admin"))
    assert r.status_code == 422

"""POST /tickets/{id}/callbacks against a fake AMI (the real one is in
tests/telephony/test_tickets_callback.py): who may ask, 409 agent.unavailable for a phone that
is not registered, the originate sent, and the call linked to the ticket when it ends. Also
the tracker's record of a callback (direction outbound, route callback)."""

from __future__ import annotations

import asyncio
from typing import Any

from callrecords.record import CallRecord
from calls.tracker import CallTracker
from domain.status import Direction, Disposition, Route
from ivr.ami_actions import DEVICE_STATES
from tests.tickets.ticket_fixtures import Desk
from tickets.callbacks import Callbacks
from tickets.desk import TicketDesk


class FakeAmi:
    def __init__(self, state: str = "Not in use") -> None:
        self.state, self.sent = state, []  # type: ignore[var-annotated]

    async def action(self, action: dict[str, str], as_list: bool | None = None) -> Any:
        self.sent.append(action)
        if action["Action"] == "DeviceStateList":  # as Asterisk 22 answers it
            word = {v: k for k, v in DEVICE_STATES.items()}[self.state]
            return [{"Response": "Success", "EventList": "start"},
                    {"Event": "DeviceStateChange", "Device": "PJSIP/anonymous",
                     "State": "UNAVAILABLE"},
                    *({"Event": "DeviceStateChange", "Device": f"PJSIP/{n}", "State": word}
                      for n in ("1001", "1002")),
                    {"Event": "DeviceStateListComplete", "EventList": "Complete"}]
        return {"Response": "Success", "Message": "Originate successfully queued"}


def with_callbacks(desk: Desk, ami: FakeAmi) -> Callbacks:
    ticket_desk: TicketDesk = desk.client.app.state.ticket_desk  # type: ignore[attr-defined]
    callbacks = Callbacks(ami, ticket_desk, 15, record_wait=0.5, poll=0.05)
    desk.client.app.state.ticket_callbacks = callbacks  # type: ignore[attr-defined]
    return callbacks


def test_a_callback_rings_the_agent_then_dials_the_customer(desk: Desk) -> None:
    ami = FakeAmi()
    with_callbacks(desk, ami)
    t = desk.create(category="complaint", complaint_kind="responsible",
                    customer={"number": "13800000001"})
    r = desk.client.post(f"/tickets/{t['id']}/callbacks", json={"agent": "1001"},
                         headers=desk.as_("supervisor"))
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["ticket_id"] == t["id"] and body["callback_id"].startswith(f"{t['id']}-")
    show, orig = ami.sent
    assert show == {"Action": "DeviceStateList"}
    assert orig["Action"] == "Originate" and orig["Channel"] == "PJSIP/1001"  # agent first
    assert (orig["Context"], orig["Exten"]) == ("hotline-callback", "13800000001")
    assert orig["Timeout"] == "15000"
    assert f"HOTLINE_CALLBACK={body['callback_id']}" in orig["Variable"]
    assert f"HOTLINE_TICKET={t['id']}" in orig["Variable"]


def test_a_phone_that_is_not_registered_is_409(desk: Desk) -> None:
    ami = FakeAmi("Unavailable")
    with_callbacks(desk, ami)
    t = desk.create(customer={"number": "13800000001"})
    r = desk.client.post(f"/tickets/{t['id']}/callbacks", json={"agent": "1002"},
                         headers=desk.as_("admin"))
    assert (r.status_code, r.json()["error_id"]) == (409, "agent.unavailable")
    assert r.json()["details"] == {"agent": "1002", "state": "Unavailable"}
    assert [a["Action"] for a in ami.sent] == ["DeviceStateList"]  # nothing originated


def test_callback_requests_that_are_refused(desk: Desk) -> None:
    ami = FakeAmi()
    t = desk.create("agent:1001", customer={"number": "13800000001"})
    post = desk.client.post
    url = f"/tickets/{t['id']}/callbacks"
    r = post(url, json={"agent": "1001"}, headers=desk.as_("admin"))
    assert (r.status_code, r.json()["error_id"]) == (503, "asterisk.unavailable")
    with_callbacks(desk, ami)
    assert post(url, json={"agent": "1001"}, headers=desk.as_("qa")).status_code == 403
    r = post(url, json={"agent": "1002"}, headers=desk.as_("agent:1001"))
    assert (r.status_code, r.json()["error_id"]) == (403, "auth.forbidden")
    r = post(url, json={"agent": "1001"}, headers=desk.as_("agent:1002"))
    assert (r.status_code, r.json()["error_id"]) == (404, "ticket.not_found")
    r = post(url, json={"agent": "9999"}, headers=desk.as_("admin"))
    assert (r.status_code, r.json()["error_id"]) == (422, "ticket.unknown_agent")
    r = post(url, json={"agent": "x"}, headers=desk.as_("admin"))
    assert (r.status_code, r.json()["error_id"]) == (422, "request.invalid")
    anonymous = desk.create(subject="no number")
    r = post(f"/tickets/{anonymous['id']}/callbacks", json={"agent": "1001"},
             headers=desk.as_("admin"))
    assert (r.status_code, r.json()["error_id"]) == (422, "ticket.no_customer_number")
    assert ami.sent == []
    assert post(url, json={"agent": "1001"}, headers=desk.as_("agent:1001")).status_code == 202


def test_the_callback_call_is_linked_to_the_ticket(desk: Desk) -> None:
    callbacks = with_callbacks(desk, FakeAmi())
    t = desk.create(customer={"number": "13800000001"})
    call_id = desk.store.save(CallRecord("1900.1", 1.8e9, caller="1001"))

    async def run() -> None:
        callbacks.on_user_event({"Event": "UserEvent", "UserEvent": "HotlineCallbackEnd",
                                 "Callback": f"{t['id']}-ab", "Status": "ANSWER",
                                 "Call": "1900.1"})
        callbacks.on_originate_response({"Event": "OriginateResponse", "Response": "Failure",
                                         "CallerIDName": f"Callback {t['id']}-cd"})
        callbacks.on_user_event({"Event": "UserEvent", "UserEvent": "HotlineCallbackEnd",
                                 "Callback": f"{t['id']}-ef", "Status": "NOANSWER",
                                 "Call": "1900.9"})  # no record comes
        await callbacks.stop()

    asyncio.run(run())
    got = desk.get(t["id"])
    assert got["call_ids"] == [call_id]
    by_id = {e.get("callback_id"): e for e in got["events"] if e.get("callback_id")}
    assert by_id[f"{t['id']}-ab"]["type"] == "callback_call"
    assert by_id[f"{t['id']}-ab"]["call_id"] == call_id
    assert by_id[f"{t['id']}-cd"]["type"] == "callback_failed"
    assert by_id[f"{t['id']}-cd"]["reason"] == "the agent did not answer"
    assert by_id[f"{t['id']}-ef"]["type"] == "callback_failed"
    assert "call_id" not in by_id[f"{t['id']}-ef"]
    assert got["status"] == "new"  # product events change no status


def _events(answered: bool) -> list[dict[str, str]]:
    agent, trunk = {"Uniqueid": "50.1", "Linkedid": "50.1"}, {"Uniqueid": "50.2",
                                                               "Linkedid": "50.1"}
    events = [
        {"Event": "Newchannel", "Channel": "PJSIP/1001-01", "CallerIDNum": "13800000001",
         "Exten": "", "Timestamp": "100.0", **agent},
        {"Event": "Newstate", "ChannelStateDesc": "Up", "Timestamp": "102.0", **agent},
        {"Event": "UserEvent", "UserEvent": "HotlineCallback", "Agent": "1001",
         "Customer": "13800000001", "Ticket": "7", "Callback": "7-ab", "Timestamp": "102.1",
         **agent},
        {"Event": "Newchannel", "Channel": "PJSIP/trunk-02", "CallerIDNum": "4008001234",
         "Timestamp": "102.2", **trunk},
        {"Event": "UserEvent", "UserEvent": "HotlineRecording", "File": "hotline/50.1.raw",
         "Timestamp": "102.3", **trunk}]
    if answered:
        events += [{"Event": "Newstate", "ChannelStateDesc": "Up", "Timestamp": "104.0",
                    **trunk},
                   {"Event": "DialEnd", "DialStatus": "ANSWER", "Timestamp": "104.0",
                    "DestChannel": "PJSIP/trunk-02", **agent}]
    else:
        events.append({"Event": "DialEnd", "DialStatus": "NOANSWER", "Timestamp": "132.0",
                       **agent})
    events += [{"Event": "Hangup", "Cause": "16", "Cause-txt": "Normal Clearing",
                "Timestamp": "110.0", **trunk},
               {"Event": "Hangup", "Cause": "16", "Cause-txt": "Normal Clearing",
                "Timestamp": "110.1", **agent}]
    return events


def test_the_tracker_records_a_callback_as_outbound() -> None:
    for answered in (True, False):
        tracker = CallTracker()
        records = [r for e in _events(answered) if (r := tracker.feed(e, 0.0)) is not None]
        [r] = records
        assert (r.route, r.direction, r.agent, r.caller, r.called) == (
            Route.CALLBACK, Direction.OUTBOUND, "1001", "1001", "13800000001")
        assert r.recording_file == "hotline/50.1.raw"
        if answered:
            assert r.disposition is Disposition.ANSWERED and r.talk_seconds == 6.1
        else:
            assert r.disposition is Disposition.MISSED and r.agent_answered_at is None


def test_inbound_calls_say_so(desk: Desk) -> None:
    r = desk.client.get(f"/calls/{desk.call_id}", headers=desk.as_("admin"))
    assert r.status_code == 200 and r.json()["direction"] == "inbound"

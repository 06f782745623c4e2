"""R26 on tickets: the customer's number and name masked for roles without the right to see
them; an agent sees its own tickets' numbers; searching by customer number refused when masked."""

from __future__ import annotations

from collections.abc import Callable

from tests.tickets.ticket_fixtures import Desk

MASKING = {"HOTLINE_PRIVACY__UNMASKED_ROLES": '["admin", "supervisor", "ticket"]'}
CUSTOMER = {"number": "13912341234", "name": "王五"}


def test_masked_for_qa_in_full_for_the_others(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk(**MASKING)
    t = desk.create("ticket", category="inquiry", customer=CUSTOMER)
    for role in ("admin", "supervisor", "ticket"):
        assert desk.get(t["id"], role)["customer"] == CUSTOMER
    assert desk.get(t["id"], "qa")["customer"] == {"number": "139****1234", "name": "王*"}
    listed = desk.client.get("/tickets", headers=desk.as_("qa"))
    assert listed.json()["items"][0]["customer"]["number"] == "139****1234"
    assert "13912341234" not in listed.text


def test_an_agent_sees_its_own_tickets_numbers(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk(**MASKING)
    own = desk.create("agent:1001", category="inquiry", customer=CUSTOMER)
    assert own["customer"] == CUSTOMER  # the creating agent's answer
    assigned = desk.create("admin", category="repair", customer=CUSTOMER, assignee="agent:1002")
    assert desk.get(assigned["id"], "agent:1002")["customer"] == CUSTOMER
    after = desk.ok(assigned["id"], "agent:1002", type="comment", note="已联系")
    assert after["customer"] == CUSTOMER


def test_searching_by_customer_number(make_desk: Callable[..., Desk]) -> None:
    desk = make_desk(**MASKING)
    desk.create("ticket", category="inquiry", customer=CUSTOMER)
    r = desk.client.get("/tickets", params={"customer": "13912341234"}, headers=desk.as_("qa"))
    assert (r.status_code, r.json()["error_id"]) == (403, "privacy.number_filter_forbidden")
    r = desk.client.get("/tickets", params={"customer": "13912341234"},
                        headers=desk.as_("supervisor"))
    assert r.json()["total"] == 1
    # An agent token searches among its own tickets (the only ones it sees at all).
    r = desk.client.get("/tickets", params={"customer": "13912341234"},
                        headers=desk.as_("agent:1001"))
    assert (r.status_code, r.json()["total"]) == (200, 0)


def test_by_default_qa_sees_the_numbers(desk: Desk) -> None:
    t = desk.create("ticket", category="inquiry", customer=CUSTOMER)
    assert desk.get(t["id"], "qa")["customer"] == CUSTOMER

"""R26 in QA: plans, reviews, the prefill, the archive, the excellent library and the weekly
report (JSON, CSV, HTML) name calls by id, agents by 工号, and never a customer's number or
name: there is nothing in them to mask. Every call of the seeded history was made by
13900000000; this walks every QA read with every role that may use it and looks for it."""

from __future__ import annotations

from qa_world import AGENT, QA, SUPERVISOR, QaWorld, auth

NUMBER = "13900000000"


def test_no_qa_answer_carries_a_customer_number(world: QaWorld) -> None:
    assert world.client.get(f"/calls/{world.call_id('oct-2001-1')}",
                            headers=auth(QA)).json()["caller"] == NUMBER  # it is there to leak
    assert world.client.post("/qa/plans", json={"month": "2026-11"},
                             headers=auth(QA)).status_code == 200
    call_id = world.call_id("oct-2001-1")
    review = world.client.post("/qa/reviews", headers=auth(QA), json={
        "call_id": call_id, "items": [], "excellent": True}).json()
    world.client.post(f"/qa/reviews/{review['id']}/confirm", headers=auth(QA))
    world.client.post("/qa/reports/weekly", json={"week": "2026-W45"}, headers=auth(QA))
    reads = [
        ("/qa/plans/2026-11", (QA, SUPERVISOR)),
        ("/qa/reviews", (QA, SUPERVISOR, AGENT)),
        (f"/qa/reviews/{review['id']}", (QA, SUPERVISOR)),
        (f"/qa/reviews/prefill?call_id={call_id}", (QA, SUPERVISOR)),
        ("/qa/agents/2001", (QA, SUPERVISOR, AGENT)),
        ("/qa/excellent", (QA, SUPERVISOR)),
        ("/qa/reports/weekly/2026-W45", (QA, SUPERVISOR)),
        ("/qa/reports/weekly/2026-W45?format=csv", (QA, SUPERVISOR)),
        ("/qa/reports/weekly/2026-W45?format=html", (QA, SUPERVISOR)),
    ]
    for path, tokens in reads:
        for token in tokens:
            r = world.client.get(path, headers=auth(token))
            assert r.status_code == 200, (path, r.text)
            assert NUMBER not in r.text and "139*" not in r.text, path

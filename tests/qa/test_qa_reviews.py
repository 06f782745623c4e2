"""Forms, reviews (draft, confirm, immutability, revisions), the prefill, R20 neighbours, R21
exemptions, the archive, the excellent library and who may do what, through the real app on
the seeded history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qa_world import ADMIN, AGENT, QA, SUPERVISOR, TICKET, QaWorld, auth, make_world

DEDUCT = [{"id": "closing", "points": 4, "note": "没有结束语", "at_seconds": 75.0}]


def _review(world: QaWorld, linkedid: str, items: list[dict[str, Any]] | None = None,
            confirm: bool = True, excellent: bool = False) -> dict[str, Any]:
    response = world.client.post("/qa/reviews", headers=auth(QA), json={
        "call_id": world.call_id(linkedid), "form": "r23", "items": items or [],
        "comment": "", "excellent": excellent})
    assert response.status_code == 201, response.text
    review = response.json()
    if confirm:
        response = world.client.post(f"/qa/reviews/{review['id']}/confirm", headers=auth(QA))
        assert response.status_code == 200, response.text
        review = response.json()
    return review


def _plan(world: QaWorld, month: str = "2026-10") -> dict[str, Any]:
    response = world.client.post("/qa/plans", json={"month": month}, headers=auth(QA))
    assert response.status_code == 200, response.text
    return response.json()


def test_the_default_form_r23(world: QaWorld) -> None:
    forms = world.client.get("/qa/forms", headers=auth(QA)).json()
    r23 = next(f for f in forms if f["id"] == "r23")
    items = {i["id"]: i for i in r23["items"]}
    assert list(items) == ["greeting", "closing", "forbidden_phrases", "dead_air",
                           "interrupting", "understanding", "accuracy"]
    assert sum(i["max_points"] for i in r23["items"]) == 100
    assert items["dead_air"]["auto"] == "dead_air"
    assert items["interrupting"]["auto"] == "overtalk"
    phrases = items["forbidden_phrases"]["phrases"]
    assert "我不知道" in phrases and "有本事就投诉我" in phrases and len(phrases) == 39


def test_forms_are_for_admin_and_supervisor(world: QaWorld) -> None:
    form: dict[str, Any] = {"id": "short", "name": "简表", "items": [
        {"id": "greeting", "title": "开头语", "max_points": 50},
        {"id": "closing", "title": "结束语", "max_points": 50}]}
    assert world.client.post("/qa/forms", json=form, headers=auth(QA)).status_code == 403
    assert world.client.post("/qa/forms", json=form, headers=auth(SUPERVISOR)).status_code == 201
    bad = {**form, "items": [form["items"][0], {**form["items"][0], "max_points": 5}]}
    response = world.client.post("/qa/forms", json=bad, headers=auth(ADMIN))
    assert response.status_code == 422 and response.json()["details"]["field"] == "items[1].id"
    bad = {**form, "items": [{**form["items"][0], "max_points": 0}]}
    response = world.client.post("/qa/forms", json=bad, headers=auth(ADMIN))
    assert response.json()["details"]["field"] == "items[0].max_points"
    ids = [f["id"] for f in world.client.get("/qa/forms", headers=auth(QA)).json()]
    assert ids == ["r23", "short"]


def test_draft_confirm_is_immutable_and_revisions_chain(world: QaWorld) -> None:
    draft = _review(world, "oct-2001-3", DEDUCT, confirm=False)
    assert (draft["version"], draft["status"], draft["total"], draft["max_total"],
            draft["full_marks"]) == (1, "draft", 94, 100, False)
    rid = draft["id"]
    patched = world.client.patch(f"/qa/reviews/{rid}", headers=auth(QA),
                                 json={"items": [], "comment": "重听后无问题"})
    assert patched.status_code == 200 and patched.json()["total"] == 100
    confirmed = world.client.post(f"/qa/reviews/{rid}/confirm", headers=auth(QA)).json()
    assert confirmed["status"] == "confirmed" and confirmed["confirmed_at"]
    for response in (world.client.patch(f"/qa/reviews/{rid}", headers=auth(QA),
                                        json={"comment": "x"}),
                     world.client.post(f"/qa/reviews/{rid}/confirm", headers=auth(QA))):
        assert response.status_code == 409 and response.json()["error_id"] == "review.confirmed"
    revision = world.client.post(f"/qa/reviews/{rid}/revisions", headers=auth(QA),
                                 json={"items": DEDUCT})
    assert revision.status_code == 201
    second = revision.json()
    assert (second["version"], second["supersedes"], second["status"], second["total"]) == (
        2, rid, "draft", 94)
    old = world.client.get(f"/qa/reviews/{rid}", headers=auth(QA)).json()
    assert old["status"] == "confirmed" and old["total"] == 100  # still readable, unchanged
    again = world.client.post(f"/qa/reviews/{rid}/revisions", headers=auth(QA), json={})
    assert again.status_code == 409 and again.json()["error_id"] == "review.superseded"
    draft_rev = world.client.post(f"/qa/reviews/{second['id']}/revisions", headers=auth(QA),
                                  json={})
    assert draft_rev.status_code == 409 and draft_rev.json()["error_id"] == "review.draft"


def test_bad_reviews_are_422_naming_the_field(world: QaWorld) -> None:
    call_id = world.call_id("oct-2002-1")
    cases = [
        ({"call_id": call_id, "items": [{"id": "closing", "points": 11}]},
         "review.invalid_points", "items[0].points"),
        ({"call_id": call_id, "items": [{"id": "greeting", "points": 10},
                                        {"id": "smile", "points": 1}]},
         "review.unknown_item", "items[1].id"),
        ({"call_id": call_id, "items": [{"id": "closing", "points": -1}]},
         "review.invalid_points", "items[0].points"),
        ({"call_id": world.call_id("sep-2001-0")}, "review.no_recording", "call_id"),
        ({"call_id": call_id, "form": "nope"}, "form.not_found", "form"),
    ]
    for body, error_id, field in cases:
        response = world.client.post("/qa/reviews", headers=auth(QA), json=body)
        assert response.status_code == 422, response.text
        assert response.json()["error_id"] == error_id
        assert response.json()["details"]["field"] == field


def test_prefill_points_and_evidence_from_the_qa_flags(world: QaWorld) -> None:
    response = world.client.get("/qa/reviews/prefill", headers=auth(QA),
                                params={"call_id": world.call_id("flagged"), "form": "r23"})
    assert response.status_code == 200, response.text
    body = response.json()
    items = {i["id"]: i for i in body["items"]}
    assert items["dead_air"]["points"] == 0 and items["interrupting"]["points"] == 0
    assert items["greeting"]["points"] == 10
    assert [(e["kind"], e["start"], e["end"]) for e in body["evidence"]] == [
        ("dead_air", 12.0, 19.5), ("overtalk", 25.0, 26.5), ("dead_air", 40.0, 46.0)]
    assert body["total"] == 70
    clean = world.client.get("/qa/reviews/prefill", headers=auth(QA),
                             params={"call_id": world.call_id("oct-2001-1")}).json()
    assert clean["evidence"] == [] and clean["total"] == 100


def test_r20_neighbours_join_when_a_problem_is_confirmed(world: QaWorld) -> None:
    _plan(world)
    full = _review(world, "oct-2005-4")
    problem = _review(world, "oct-2005-10", DEDUCT)
    plan = world.client.get("/qa/plans/2026-10", headers=auth(QA)).json()
    neighbours = [i for i in plan["items"] if "r20_neighbour" in i["reasons"]]
    assert {world.linkedid(i["call_id"]) for i in neighbours} == {"oct-2005-9", "oct-2005-11"}
    assert {i["neighbour_of"] for i in neighbours} == {problem["id"]}
    assert full["full_marks"]  # a full-marks review brought nobody
    only = [i for i in neighbours if i["reasons"] == ["r20_neighbour"]]
    assert only
    second = _review(world, world.linkedid(only[0]["call_id"]), DEDUCT)
    after = world.client.get("/qa/plans/2026-10", headers=auth(QA)).json()
    assert len([i for i in after["items"] if "r20_neighbour" in i["reasons"]]) == 2
    item = next(i for i in after["items"] if i["call_id"] == only[0]["call_id"])
    assert item["status"] == "confirmed" and item["review_id"] == second["id"]
    # Built again, the plan keeps them (reproducible from the records and reviews).
    assert {i["call_id"] for i in _plan(world)["items"]} >= {i["call_id"] for i in neighbours}


def test_r20_neighbours_is_configuration(tmp_path: Path) -> None:
    for world in make_world(tmp_path, neighbours="2"):
        _plan(world)
        _review(world, "oct-2006-10", DEDUCT)
        plan = world.client.get("/qa/plans/2026-10", headers=auth(QA)).json()
        assert {world.linkedid(i["call_id"]) for i in plan["items"]
                if "r20_neighbour" in i["reasons"]} == {
            "oct-2006-8", "oct-2006-9", "oct-2006-11", "oct-2006-12"}


def test_r21_exemption_after_two_full_marks_months(world: QaWorld) -> None:
    _review(world, "rev-8-2011")
    _review(world, "rev-9-2011")
    _review(world, "rev-8-2010")
    sep_2010 = _review(world, "rev-9-2010", DEDUCT)
    agents = {a["agent"]: a for a in _plan(world)["agents"]}
    assert agents["2011"]["exempt"] is True
    assert (agents["2011"]["quota"], agents["2011"]["live"], agents["2011"]["post"]) == (5, 2, 3)
    assert agents["2010"]["exempt"] is False and agents["2010"]["quota"] == 3
    # The latest confirmed version counts: 2010's September corrected to full marks.
    revision = world.client.post(f"/qa/reviews/{sep_2010['id']}/revisions", headers=auth(QA),
                                 json={"items": []}).json()
    world.client.post(f"/qa/reviews/{revision['id']}/confirm", headers=auth(QA))
    agents = {a["agent"]: a for a in _plan(world)["agents"]}
    # Exempt, but an exemption never adds work: min(5, 3).
    assert agents["2010"]["exempt"] is True and agents["2010"]["quota"] == 3
    archive = world.client.get("/qa/agents/2011", headers=auth(QA)).json()
    assert [(m["month"], m["reviews"], m["full_marks"]) for m in archive["months"]] == [
        ("2026-08", 1, True), ("2026-09", 1, True)]


def test_r21_numbers_are_configuration(tmp_path: Path) -> None:
    for world in make_world(tmp_path, exempt_quota="4", exempt_after_full_months="1"):
        _review(world, "rev-9-2011")
        agents = {a["agent"]: a for a in _plan(world)["agents"]}
        assert agents["2011"]["exempt"] is True and agents["2011"]["quota"] == 4


def test_live_inspections_become_live_items(world: QaWorld) -> None:
    _plan(world)
    call_id = world.call_id("oct-2011-7")
    response = world.client.post("/qa/plans/2026-10/live", headers=auth(QA),
                                 json={"call_id": call_id})
    assert response.status_code == 200, response.text
    item = next(i for i in response.json()["items"] if i["call_id"] == call_id)
    assert item["mode"] == "live" and "r18_live" in item["reasons"]
    entry = next(a for a in response.json()["agents"] if a["agent"] == "2011")
    assert (entry["live_done"], entry["live"]) == (1, 2)
    refused = world.client.post("/qa/plans/2026-10/live", headers=auth(QA),
                                json={"call_id": world.call_id("sep-2011-3")})
    assert refused.status_code == 422 and refused.json()["details"]["field"] == "call_id"


def test_excellent_library(world: QaWorld) -> None:
    review = _review(world, "oct-2003-2", excellent=True)
    _review(world, "oct-2003-3")
    library = world.client.get("/qa/excellent", headers=auth(QA)).json()
    assert [e["review"]["id"] for e in library] == [review["id"]]
    assert library[0]["recording_url"] == f"/calls/{world.call_id('oct-2003-2')}/recording"


def test_roles(world: QaWorld) -> None:
    mine = _review(world, "oct-2001-5", DEDUCT)
    theirs = _review(world, "oct-2002-5")
    client = world.client
    assert client.post("/qa/plans", json={"month": "2026-10"},
                       headers=auth(TICKET)).status_code == 403
    assert client.get("/qa/agents/2001", headers=auth(TICKET)).status_code == 403
    assert client.get(f"/qa/reviews/{mine['id']}", headers=auth(TICKET)).status_code == 403
    assert client.get(f"/qa/reviews/{mine['id']}", headers=auth(AGENT)).status_code == 200
    assert client.get(f"/qa/reviews/{theirs['id']}", headers=auth(AGENT)).status_code == 403
    assert [r["id"] for r in client.get("/qa/reviews", headers=auth(AGENT)).json()] == [
        mine["id"]]
    archive = client.get("/qa/agents/2001", headers=auth(AGENT))
    assert archive.status_code == 200 and archive.json()["months"][0]["average"] == 94
    assert client.get("/qa/agents/2002", headers=auth(AGENT)).status_code == 403
    for method, url in (("post", "/qa/plans"), ("get", "/qa/plans/2026-10"),
                        ("get", "/qa/excellent"), ("get", "/qa/forms")):
        assert client.request(method, url, headers=auth(AGENT),
                              json={"month": "2026-10"}).status_code == 403
    assert client.post("/qa/reviews", headers=auth(AGENT), json={
        "call_id": world.call_id("oct-2001-6")}).status_code == 403
    for token in (SUPERVISOR, ADMIN):
        assert client.get("/qa/plans/2026-10", headers=auth(token)).status_code == 404

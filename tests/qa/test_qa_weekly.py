"""The weekly QA report (R22) on seeded reviews: its numbers, confirmation, CSV and HTML, and
the Monday drafting task driven by a ManualClock."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime
from typing import Any

from qa_world import QA, SUPERVISOR, TICKET, ZONE, QaWorld, auth

from qa.store import QaStore
from qa.weekly import WeeklyDrafter


def _review(world: QaWorld, linkedid: str, items: list[dict[str, Any]],
            excellent: bool = False, confirm: bool = True) -> dict[str, Any]:
    response = world.client.post("/qa/reviews", headers=auth(QA), json={
        "call_id": world.call_id(linkedid), "items": items, "excellent": excellent,
        "comment": linkedid})
    assert response.status_code == 201, response.text
    review = response.json()
    if confirm:
        review = world.client.post(f"/qa/reviews/{review['id']}/confirm",
                                   headers=auth(QA)).json()
    return review


def _seed(world: QaWorld) -> dict[str, int]:
    """Week 2026-W45 is Monday 2 to Sunday 8 November 2026."""
    world.clock.set(datetime(2026, 11, 3, 10, tzinfo=ZONE))
    first = _review(world, "oct-2001-1", [{"id": "closing", "points": 4}])
    second = _review(world, "oct-2002-1", [{"id": "forbidden_phrases", "points": 10},
                                           {"id": "dead_air", "points": 5}])
    third = _review(world, "oct-2003-1", [], excellent=True)
    fourth = _review(world, "oct-2004-1", [])
    _review(world, "oct-2006-1", [{"id": "accuracy", "points": 0}], confirm=False)
    # The correction of the first review, confirmed the same week, replaces it.
    world.clock.set(datetime(2026, 11, 8, 23, 30, tzinfo=ZONE))
    revision = world.client.post(f"/qa/reviews/{first['id']}/revisions", headers=auth(QA),
                                 json={"items": [{"id": "closing", "points": 8}]}).json()
    world.client.post(f"/qa/reviews/{revision['id']}/confirm", headers=auth(QA))
    # Confirmed on Monday 9 November: next week's.
    world.clock.set(datetime(2026, 11, 9, 0, 30, tzinfo=ZONE))
    _review(world, "oct-2005-1", [{"id": "greeting", "points": 0}])
    return {"first": revision["id"], "second": second["id"], "third": third["id"],
            "fourth": fourth["id"]}


def test_weekly_report_numbers(world: QaWorld) -> None:
    ids = _seed(world)
    response = world.client.post("/qa/reports/weekly", json={"week": "2026-W45"},
                                 headers=auth(QA))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["week"] == "2026-W45" and report["status"] == "draft"
    assert sorted(r["review_id"] for r in report["reviews"]) == sorted(ids.values())
    assert report["deductions"] == 22  # closing 2 (corrected), forbidden 10, dead air 10
    assert [(r["item"], r["points"]) for r in report["problems"]["by_item"]] == [
        ("dead_air", 10), ("forbidden_phrases", 10), ("closing", 2)]
    assert [r["review_id"] for r in report["problems"]["worst"]] == [ids["second"],
                                                                     ids["first"]]
    by_agent = {r["agent"]: r for r in report["problems"]["by_agent"]}
    assert (by_agent["2002"]["points"], by_agent["2002"]["average"]) == (20, 80)
    assert sorted(r["review_id"] for r in report["excellent"]) == sorted(
        [ids["third"], ids["fourth"]])
    assert world.client.get("/qa/reports/weekly/2026-W45",
                            headers=auth(QA)).json() == report


def test_confirm_publishes_and_freezes(world: QaWorld) -> None:
    _seed(world)
    world.client.post("/qa/reports/weekly", json={"week": "2026-W45"}, headers=auth(QA))
    url = "/qa/reports/weekly/2026-W45/confirm"
    assert world.client.post(url, headers=auth(QA)).status_code == 403
    confirmed = world.client.post(url, headers=auth(SUPERVISOR))
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    again = world.client.post("/qa/reports/weekly", json={"week": "2026-W45"},
                              headers=auth(QA))
    assert again.status_code == 409 and again.json()["error_id"] == "report.confirmed"
    assert world.client.post(url, headers=auth(SUPERVISOR)).status_code == 409
    bad = world.client.post("/qa/reports/weekly", json={"week": "2026-W54"}, headers=auth(QA))
    assert bad.status_code == 422 and bad.json()["error_id"] == "qa.invalid_week"
    missing = world.client.get("/qa/reports/weekly/2026-W30", headers=auth(QA))
    assert missing.status_code == 404 and missing.json()["error_id"] == "report.not_found"
    assert world.client.get("/qa/reports/weekly/2026-W45",
                            headers=auth(TICKET)).status_code == 403


def test_csv_and_printable_html(world: QaWorld) -> None:
    ids = _seed(world)
    world.client.post("/qa/reports/weekly", json={"week": "2026-W45"}, headers=auth(QA))
    response = world.client.get("/qa/reports/weekly/2026-W45", params={"format": "csv"},
                                headers=auth(QA))
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 4
    second = next(r for r in rows if r["review_id"] == str(ids["second"]))
    assert (second["agent"], second["total"], second["deducted"]) == ("2002", "80", "20")
    page = world.client.get("/qa/reports/weekly/2026-W45", params={"format": "html"},
                            headers=auth(QA))
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "质检周报" in html and "2026-W45" in html and "2026-11-02" in html
    assert "2026-11-08" in html and "草稿" in html and "服务忌语" in html
    assert "@media print" in html


def test_monday_drafts_last_week_on_the_clock(world: QaWorld) -> None:
    _seed(world)  # leaves the clock at Monday 9 November 00:30
    drafter = WeeklyDrafter(QaStore(world.store), world.clock, ZONE)
    assert drafter.tick() == "2026-W45"
    assert drafter.tick() is None  # drafted once
    report = world.client.get("/qa/reports/weekly/2026-W45", headers=auth(QA)).json()
    assert report["status"] == "draft" and report["deductions"] == 22
    world.clock.set(datetime(2026, 11, 16, 8, tzinfo=ZONE))
    assert drafter.tick() == "2026-W46"
    report = world.client.get("/qa/reports/weekly/2026-W46", headers=auth(QA)).json()
    assert report["deductions"] == 10, report  # the greeting of oct-2005-1


async def test_the_background_task_drafts(world: QaWorld) -> None:
    world.clock.set(datetime(2026, 11, 9, 9, tzinfo=ZONE))
    store = QaStore(world.store)
    drafter = WeeklyDrafter(store, world.clock, ZONE, interval=3600)
    drafter.start()
    try:
        async with asyncio.timeout(10):
            while store.report("2026-W45") is None:
                await asyncio.sleep(0.01)
    finally:
        await drafter.stop()
    assert store.report("2026-W45") is not None

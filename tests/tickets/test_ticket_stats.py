"""The month's statistics (R16) as JSON, CSV and a PNG chart."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from tests.tickets.ticket_fixtures import Desk
from tickets.stats import percentile


def fill_month(desk: Desk) -> None:
    """November 2026: 2 responsible complaints (one resolved in 1 h and called back
    satisfied), 1 assistance complaint, 1 inquiry answered in 3 h, 1 untriaged ticket; one
    ticket from October that must not count."""
    desk.create(category="inquiry", accepted_at="2026-10-31T23:59:00")
    a = desk.create(category="complaint", complaint_kind="responsible", cause="attitude")
    desk.create(category="complaint", complaint_kind="responsible", cause="quality")
    desk.create(category="complaint", complaint_kind="assistance", cause="product")
    q = desk.create(category="inquiry")
    desk.create()
    desk.ok(a["id"], type="start")
    desk.clock.advance(hours=1)
    desk.ok(a["id"], type="resolve", result="apologised")
    desk.ok(a["id"], type="callback", result="satisfied")
    desk.clock.advance(hours=2)
    desk.ok(q["id"], type="resolve", result="answered")


def test_month_stats_json(desk: Desk) -> None:
    fill_month(desk)
    r = desk.client.get("/tickets/stats", params={"month": "2026-11"},
                        headers=desk.as_("supervisor"))
    assert r.status_code == 200, r.text
    s = r.json()
    assert s["month"] == "2026-11" and s["partial"] is True and s["total"] == 5
    assert s["by_category"] == {"complaint": 3, "inquiry": 1, "unset": 1}
    assert s["by_cause"] == {"attitude": 1, "product": 1, "quality": 1, "unset": 2}
    assert s["by_kind"] == {"assistance": 1, "responsible": 2}
    assert s["by_severity"] == {"general": 2, "unset": 1}
    assert s["by_status"] == {"new": 3, "resolved": 2}
    # now 13:00: every start clock but a's breached at 10:10; the result clock of the second
    # responsible complaint breached at 12:00 (2wh); a's was met.
    assert s["clocks"]["start"] == {"met": 1, "breached": 4, "running": 0}
    assert s["clocks"]["result"] == {"met": 1, "breached": 1, "running": 0}
    assert s["clocks"]["callback"] == {"met": 1, "breached": 0, "running": 0}
    assert s["clocks"]["answer"] == {"met": 1, "breached": 0, "running": 0}
    assert s["clocks"]["reply"] == {"met": 2, "breached": 0, "running": 3}  # a and q resolved
    assert s["callbacks"] == {"done": 1, "by_result": {"satisfied": 1, "dissatisfied": 0,
                                                       "unreachable": 0, "refused": 0},
                              "rate_responsible": 1.0, "rate_assistance": None}
    assert s["handling_hours"] == {"p50": 2.0, "p90": 2.8}
    october = desk.client.get("/tickets/stats", params={"month": "2026-10"},
                              headers=desk.as_("admin")).json()
    assert (october["total"], october["partial"]) == (1, False)


def test_month_stats_csv_holds_the_same_numbers(desk: Desk) -> None:
    fill_month(desk)
    r = desk.client.get("/tickets/stats", params={"month": "2026-11", "format": "csv"},
                        headers=desk.as_("qa"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["section", "key", "value"]
    table = {(s, k): v for s, k, v in rows[1:]}
    assert table[("month", "")] == "2026-11" and table[("partial", "")] == "true"
    assert table[("total", "")] == "5"
    assert table[("by_category", "complaint")] == "3"
    assert table[("clocks.start", "breached")] == "4"
    assert table[("callbacks.by_result", "satisfied")] == "1"
    assert table[("callbacks", "rate_assistance")] == ""
    assert table[("handling_hours", "p90")] == "2.8"


def test_month_chart_is_a_png(desk: Desk) -> None:
    fill_month(desk)
    r = desk.client.get("/tickets/stats/chart", params={"month": "2026-11"},
                        headers=desk.as_("admin"))
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.content.startswith(b"\x89PNG\r\n\x1a\n") and len(r.content) > 5000


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "november", ""])
def test_a_bad_month_is_refused(desk: Desk, month: str) -> None:
    for path in ("/tickets/stats", "/tickets/stats/chart"):
        r = desk.client.get(path, params={"month": month}, headers=desk.as_("admin"))
        assert (r.status_code, r.json()["error_id"]) == (422, "ticket.invalid_month")


def test_stats_roles(desk: Desk) -> None:
    for role in ("agent:1001", "ticket"):
        r = desk.client.get("/tickets/stats", params={"month": "2026-11"},
                            headers=desk.as_(role))
        assert r.status_code == 403
    r = desk.client.get("/tickets/stats", headers=desk.as_("admin"))
    assert r.status_code == 422  # month is required


def test_percentiles_agree_with_numpy() -> None:
    values = [0.5, 3.0, 1.25, 9.0, 2.0, 7.5]
    for q in (0.0, 0.5, 0.9, 1.0):
        assert percentile(values, q) == pytest.approx(np.percentile(values, q * 100))
    assert percentile([], 0.5) is None

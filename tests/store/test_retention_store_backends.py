"""The retention purge (hotline/retention.py) on SQLite and on a throwaway PostgreSQL: the same
expired, held and kept calls, tickets and access log entries as tests/retention, on both."""

from __future__ import annotations

from pathlib import Path

from callrecords.store import CallStore
from domain.retention import RetentionKind
from tests.retention.test_retention_purge import NOW, build


def test_the_purge_on_both_backends(store: CallStore, tmp_path: Path) -> None:
    url = store.engine.url.render_as_string(hide_password=False)
    world = build(tmp_path, url, recordings=90, call_records=365, tickets=365, audit=150)
    plan = world.purger().plan(NOW)
    assert plan.counts == {"recordings": 1, "call_records": 3, "tickets": 1, "audit": 1,
                           "channel_events": 0}
    done = world.purger().apply(plan)
    c = world.calls
    assert done.ids[RetentionKind.CALL_RECORDS] == sorted(
        [c["old"], c["old_confirmed_review"], c["old_closed_ticket"]])
    assert done.ids[RetentionKind.RECORDINGS] == [c["middle"]]
    assert done.held == {"open_ticket": [c["old_open_ticket"]],
                         "draft_review": [c["old_draft_review"]]}
    for name in ("old_open_ticket", "old_draft_review", "recent"):
        assert world.store.get(c[name]) is not None and world.wav(name).exists()
    middle = world.store.get(c["middle"])
    assert middle is not None and middle.recording_path is None
    [entry] = world.audit_entries()
    assert entry.detail["removed"] == plan.counts
    world.store.engine.dispose()  # the fixture drops the schema next

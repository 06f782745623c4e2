"""The presence store on SQLite and PostgreSQL (migration 0006_presence): the current state and
the append-only trail written together; the trail filtered by time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agents.presence import AVAILABLE, SIGNED_OUT, Stamped, paused
from agents.store import PresenceStore
from callrecords.store import CallStore
from domain.status import Presence, PresenceVia

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def test_changes_update_the_state_and_append_to_the_trail(store: CallStore) -> None:
    presence = PresenceStore(store.sessions)
    assert presence.current() == {}
    first = Stamped(AVAILABLE, T0.timestamp(), PresenceVia.PHONE)
    presence.record("1001", SIGNED_OUT, first, "1001")
    second = Stamped(paused("lunch"), (T0 + timedelta(minutes=5)).timestamp(), PresenceVia.API)
    presence.record("1001", AVAILABLE, second, "supervisor")
    presence.record("1002", SIGNED_OUT, first, "1002")

    current = presence.current()
    assert current["1001"] == second and current["1002"] == first

    trail = presence.trail("1001")
    assert [(e.from_state, e.to_state, e.reason, e.via, e.by) for e in trail] == [
        (Presence.SIGNED_OUT, Presence.AVAILABLE, "", PresenceVia.PHONE, "1001"),
        (Presence.AVAILABLE, Presence.PAUSED, "lunch", PresenceVia.API, "supervisor")]
    assert trail[0].at == T0

    later = presence.trail("1001", since=T0 + timedelta(minutes=1))
    assert [e.to_state for e in later] == [Presence.PAUSED]
    earlier = presence.trail("1001", until=T0 + timedelta(minutes=1))
    assert [e.to_state for e in earlier] == [Presence.AVAILABLE]
    assert presence.trail("1003") == []

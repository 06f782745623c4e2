"""CallStore.update is one UPDATE statement (issue 9: loading the call and its legs first was
most of the bridge's CPU per recording attached); it still refuses unknown columns and a call
that does not exist, on both back ends."""

from __future__ import annotations

import pytest

from callrecords.record import CallRecord, Leg
from callrecords.store import CallStore, StoreError
from domain.status import Disposition, Route


def test_update_sets_columns_and_keeps_the_legs(store: CallStore) -> None:
    call_id = store.save(CallRecord(
        "1.1", 1_795_000_000.0, caller="139", route=Route.AGENT,
        disposition=Disposition.ANSWERED,
        legs=[Leg("1.1", "PJSIP/trunk-1", 1_795_000_000.0, "139", None, None, 16, "")]))
    store.set_recording(call_id, path="2026/11/23/1.1.wav", duration=31.5, channels=2,
                        sha256="ab" * 32, qa_flags={"dead_air": []}, error=None)
    call = store.get(call_id)
    assert call is not None
    assert (call.recording_path, call.recording_duration, call.recording_channels,
            call.qa_flags) == ("2026/11/23/1.1.wav", 31.5, 2, {"dead_air": []})
    assert [leg.channel for leg in call.legs] == ["PJSIP/trunk-1"]


def test_update_refuses_a_missing_call_and_unknown_columns(store: CallStore) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        store.update(999, recording_error="x")
    with pytest.raises(ValueError, match="no column"):
        store.update(1, colour="blue")

"""Issue 9: records (and recordings) of calls that end together are written together, in one
transaction; one the database refuses does not take the others down with it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest

from callrecords.record import CallRecord, Leg
from callrecords.store import CallStore, StoreError
from calls.keeper import WriteBatches
from hotline.bridge import Bridge
from pbx.layout import Instance
from settings import load_settings


def _record(n: int, caller: str = "13900000000", legs: int = 2) -> CallRecord:
    start = 1700000000.0 + n
    return CallRecord(f"1700000000.{n}", start, caller=caller, ended_at=start + 30,
                      legs=[Leg(f"1700000000.{n}{k}", f"PJSIP/trunk-{n}{k}", start)
                            for k in range(legs)])


@pytest.fixture
def store(tmp_path: Path) -> CallStore:
    store = CallStore(f"sqlite:///{tmp_path}/calls.db")
    store.migrate()
    return store


def _keeper(tmp_path: Path, store: CallStore):  # type: ignore[no-untyped-def]
    settings = load_settings(environ={
        "HOTLINE_STORAGE__SPOOL_DIR": str(tmp_path / "spool"),
        "HOTLINE_STORAGE__RECORDINGS_DIR": str(tmp_path / "rec"),
        "HOTLINE_STORAGE__ASTERISK_ROOT": str(tmp_path / "root")})
    return Bridge(settings, store, Instance.of(settings)).keeper


async def test_calls_ending_together_are_written_in_few_transactions(
        tmp_path: Path, store: CallStore) -> None:
    keeper = _keeper(tmp_path, store)
    kept = await asyncio.gather(*(keeper.keep(_record(n)) for n in range(40)))
    assert kept == [True] * 40
    batches = keeper._saves
    assert batches.items == 40 and batches.batches < 10  # the first alone, then the queue
    for n in range(40):
        call = store.get_by_linkedid(f"1700000000.{n}")
        assert call is not None and call.ended_at is not None and len(call.legs) == 2


async def test_a_refused_record_is_spooled_and_the_rest_of_its_batch_is_written(
        tmp_path: Path, store: CallStore) -> None:
    keeper = _keeper(tmp_path, store)
    save_many = store.save_many

    def refuse_one(records: Sequence[CallRecord]) -> list[int]:
        if any(r.linkedid == "1700000000.3" for r in records):
            raise StoreError("value too long for this column")
        return save_many(records)

    store.save_many = refuse_one  # type: ignore[method-assign]
    kept = await asyncio.gather(*(keeper.keep(_record(n)) for n in range(8)))
    assert kept == [n != 3 for n in range(8)]
    assert keeper.pending() == 1  # in the spool, not lost
    assert store.get_by_linkedid("1700000000.3") is None
    assert all(store.get_by_linkedid(f"1700000000.{n}") is not None for n in range(8) if n != 3)


def test_save_many_replaces_a_stored_call_and_keeps_its_recording(store: CallStore) -> None:
    first = store.save(_record(1))
    store.set_recording(first, path="2023/11/14/1700000000.1.wav", duration=30.0, channels=2,
                        sha256="ab" * 32, qa_flags=None, error=None)
    ids = store.save_many([_record(2), _record(1, caller="13800000000", legs=3),
                           _record(1, caller="13700000000", legs=1)])
    assert ids[1] == ids[2] == first and ids[0] != first
    call = store.get(first)
    assert call is not None and call.caller == "13700000000" and len(call.legs) == 1
    assert call.recording_path == "2023/11/14/1700000000.1.wav"  # left as it was

    twice = store.save_many([_record(5, legs=1), _record(6), _record(5, caller="1", legs=3)])
    assert twice[0] == twice[2] != twice[1]
    call = store.get(twice[0])
    assert call is not None and call.caller == "1" and len(call.legs) == 3


def test_update_many_is_all_or_none(store: CallStore) -> None:
    a, b = store.save_many([_record(1), _record(2)])
    with pytest.raises(StoreError, match=r"calls \[1, 999\] do not exist"):
        store.update_many([(a, {"agent": "1001"}), (999, {"agent": "1002"})])
    call = store.get(a)
    assert call is not None and call.agent is None
    with pytest.raises(StoreError, match="call 999 does not exist"):
        store.update_many([(999, {"agent": "1002"})])
    store.update_many([(a, {"agent": "1001"}), (b, {"agent": "1002", "hold_seconds": 3.0}),
                       (a, {"hold_seconds": 1.5})])
    got = [store.get(i) for i in (a, b)]
    assert [(c.agent, c.hold_seconds) for c in got if c] == [("1001", 1.5), ("1002", 3.0)]


async def test_a_bug_in_a_batch_reaches_every_writer_waiting_on_it() -> None:
    from concurrent.futures import ThreadPoolExecutor

    def broken(items: list[int]) -> list[int]:
        raise TypeError("a bug")

    batches: WriteBatches[int, int] = WriteBatches(ThreadPoolExecutor(1), broken)
    results = await asyncio.gather(*(batches.write(n) for n in range(3)),
                                   return_exceptions=True)
    assert all(isinstance(r, TypeError) for r in results)

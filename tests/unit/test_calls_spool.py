"""A dead database loses no call record: the keeper spools it and writes it once the database
is back (R12). The spool survives a torn line, a stop in the middle of a flush and a line
written by another version, each of which lost records before (issue 11)."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from callrecords.record import CallRecord, Leg, record_to_dict
from callrecords.store import CallStore, StoreError
from calls.keeper import CallKeeper
from hotline.bridge import Bridge
from pbx.layout import Instance
from settings import load_settings


def _record(n: int) -> CallRecord:
    linkedid = f"1700000000.{n}"
    return CallRecord(linkedid, 1700000000.0 + n, caller=f"1390000000{n}",
                      ended_at=1700000010.0 + n,
                      legs=[Leg(linkedid, f"PJSIP/trunk-{n}", 1700000000.0 + n)])


@pytest.fixture
def store(tmp_path: Path) -> CallStore:
    store = CallStore(f"sqlite:///{tmp_path}/calls.db")
    store.migrate()
    return store


def _keeper(tmp_path: Path, store: CallStore) -> CallKeeper:
    settings = load_settings(environ={
        "HOTLINE_STORAGE__SPOOL_DIR": str(tmp_path / "spool"),
        "HOTLINE_STORAGE__RECORDINGS_DIR": str(tmp_path / "rec"),
        "HOTLINE_STORAGE__ASTERISK_ROOT": str(tmp_path / "root")})
    return Bridge(settings, store, Instance.of(settings)).keeper


def _linkedids(store: CallStore, count: int) -> list[str]:
    return [r.linkedid for r in (store.get_by_linkedid(f"1700000000.{n}")
                                 for n in range(count)) if r is not None]


async def test_records_wait_in_the_spool_while_the_database_is_down(tmp_path: Path) -> None:
    settings = load_settings(environ={
        "HOTLINE_STORAGE__SPOOL_DIR": str(tmp_path / "spool"),
        "HOTLINE_STORAGE__RECORDINGS_DIR": str(tmp_path / "rec"),
        "HOTLINE_STORAGE__ASTERISK_ROOT": str(tmp_path / "root")})
    store = CallStore(f"sqlite:///{tmp_path}/calls.db")
    store.migrate()
    bridge = Bridge(settings, store, Instance.of(settings))
    record = CallRecord("1700000000.7", 1700000000.0, caller="13900000000", ended_at=1700000010.0,
                        legs=[Leg("1700000000.7", "PJSIP/trunk-7", 1700000000.0)])

    working = store.sessions
    store.sessions = sessionmaker(create_engine(f"sqlite:///{tmp_path}/missing-dir/x.db"))
    await bridge.keeper.keep(record)  # the database is down
    assert bridge.health()["pending_records"] == 1

    store.sessions = working  # the database is back
    assert await bridge.keeper.flush_spool() == 1
    saved = store.get_by_linkedid("1700000000.7")
    assert saved is not None and saved.caller == "13900000000" and len(saved.legs) == 1
    assert bridge.health()["pending_records"] == 0
    assert await bridge.keeper.flush_spool() == 0


async def test_a_torn_line_is_quarantined_and_blocks_nothing(
        tmp_path: Path, store: CallStore, caplog: pytest.LogCaptureFixture) -> None:
    keeper = _keeper(tmp_path, store)
    spool = keeper.spool
    spool.append(_record(0))
    with spool.path.open("ab") as f:  # a crash in the middle of writing a record
        f.write(json.dumps(record_to_dict(_record(1))).encode()[:40])
    spool.append(_record(2))  # written after the crash, on a line of its own

    with caplog.at_level(logging.ERROR):
        assert await keeper.flush_spool() == 2
    assert _linkedids(store, 3) == ["1700000000.0", "1700000000.2"]
    assert spool.pending() == 0 and not spool.path.exists()
    assert spool.quarantined() == 1
    assert spool.quarantine.read_bytes().startswith(b'{"linkedid": "1700000000.1"')
    assert "unreadable" in caplog.text and str(spool.quarantine) in caplog.text

    spool.append(_record(3))  # later records are not blocked
    assert await keeper.flush_spool() == 1
    assert store.get_by_linkedid("1700000000.3") is not None


async def test_a_stop_in_the_middle_of_a_flush_loses_nothing(
        tmp_path: Path, store: CallStore) -> None:
    keeper = _keeper(tmp_path, store)
    for n in range(3):
        keeper.spool.append(_record(n))
    first_saved, release = threading.Event(), threading.Event()
    save = store.save

    def slow_save(record: CallRecord) -> int:
        call_id = save(record)
        if record.linkedid.endswith(".0"):
            first_saved.set()
            release.wait(5)  # the stop comes while the database is still busy
        return call_id

    store.save = slow_save  # type: ignore[method-assign]
    flush = asyncio.create_task(keeper.flush_spool())
    assert await asyncio.to_thread(first_saved.wait, 5)
    flush.cancel()  # what stop() does to the retry loop
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await flush
    store.save = save  # type: ignore[method-assign]
    # Nothing committed was lost and nothing uncommitted left the spool.
    assert keeper.spool.pending() + len(_linkedids(store, 3)) >= 3

    restarted = _keeper(tmp_path, store)  # the next start of the service
    await restarted.flush_spool()
    assert _linkedids(store, 3) == [f"1700000000.{n}" for n in range(3)]
    assert restarted.spool.pending() == 0


async def test_a_line_from_another_version_is_quarantined_and_the_loop_goes_on(
        tmp_path: Path, store: CallStore) -> None:
    keeper = _keeper(tmp_path, store)
    old = {**record_to_dict(_record(0)), "queue_name": "hotline"}  # a field we do not know
    keeper.spool.path.parent.mkdir(parents=True)
    keeper.spool.path.write_text(json.dumps(old) + "\n" + json.dumps(
        {**record_to_dict(_record(1)), "disposition": "transferred"}) + "\n")
    keeper.spool.append(_record(2))

    assert await keeper.flush_spool() == 1
    assert _linkedids(store, 3) == ["1700000000.2"]
    assert keeper.spool.quarantined() == 2 and keeper.spool.pending() == 0


async def test_the_retry_loop_survives_any_failure(
        tmp_path: Path, store: CallStore, caplog: pytest.LogCaptureFixture) -> None:
    keeper = _keeper(tmp_path, store)
    keeper.retry_seconds = 0.01
    keeper.spool.append(_record(0))
    calls = 0
    read = keeper.spool.read

    def failing_read() -> object:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise TypeError("an unexpected bug")
        return read()

    keeper.spool.read = failing_read  # type: ignore[method-assign,assignment]
    loop = asyncio.create_task(keeper.retry_forever())
    for _ in range(500):
        if store.get_by_linkedid("1700000000.0") is not None:
            break
        await asyncio.sleep(0.01)
    loop.cancel()
    assert store.get_by_linkedid("1700000000.0") is not None
    assert caplog.text.count("could not flush the spool") == 2


async def test_a_flushing_file_left_by_an_older_version_is_taken_back(
        tmp_path: Path, store: CallStore) -> None:
    keeper = _keeper(tmp_path, store)
    keeper.spool.legacy.parent.mkdir(parents=True)
    keeper.spool.legacy.write_text(json.dumps(record_to_dict(_record(0))) + "\n")
    keeper.spool.append(_record(1))
    assert keeper.spool.pending() == 2
    assert await keeper.flush_spool() == 2
    assert not keeper.spool.legacy.exists() and keeper.spool.pending() == 0


async def test_database_down_during_a_flush_keeps_the_rest_in_order(
        tmp_path: Path, store: CallStore) -> None:
    keeper = _keeper(tmp_path, store)
    for n in range(3):
        keeper.spool.append(_record(n))
    save = store.save

    def save_one_then_fail(record: CallRecord) -> int:
        if not record.linkedid.endswith(".0"):
            raise StoreError("database is down")
        return save(record)

    store.save = save_one_then_fail  # type: ignore[method-assign]
    assert await keeper.flush_spool() == 1
    assert keeper.spool.pending() == 2
    lines = keeper.spool.path.read_text().splitlines()
    assert [json.loads(x)["linkedid"] for x in lines] == ["1700000000.1", "1700000000.2"]

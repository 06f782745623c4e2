"""A dead database loses no call record: the bridge spools it and writes it once the database is
back."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from callrecords.store import CallStore
from ivr.bridge import Bridge
from ivr.callflow import CallRecord, Leg
from pbx.layout import Instance
from settings import load_settings


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
    await bridge._persist(record)  # the database is down
    assert bridge.health()["pending_records"] == 1

    store.sessions = working  # the database is back
    assert await bridge.flush_spool() == 1
    saved = store.get_by_linkedid("1700000000.7")
    assert saved is not None and saved.caller == "13900000000" and len(saved.legs) == 1
    assert bridge.health()["pending_records"] == 0
    assert await bridge.flush_spool() == 0

"""The calls list's QA-flag filters (issue 10: "has dead air", "has overtalk") are SQL over the
JSON column, written differently per dialect: the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from callrecords.record import CallRecord
from callrecords.store import CallFilter, CallStore
from domain.status import Disposition


def _call(store: CallStore, n: int, flags: dict[str, Any] | None) -> int:
    ident = store.save(CallRecord(f"900.{n}", 1796600000.0 + n, caller="13800000009",
                                  disposition=Disposition.ANSWERED))
    if flags is not None:
        store.update(ident, qa_flags=flags)
    return ident


def test_flag_filters_on_both_backends(store: CallStore) -> None:
    both = _call(store, 1, {"dead_air": [{"start": 1.0, "end": 9.0}],
                            "overtalk": [{"start": 2.0, "end": 3.0, "by": "agent"}]})
    clean = _call(store, 2, {"dead_air": [], "overtalk": []})
    mono = _call(store, 3, {"dead_air": [{"start": 1.0, "end": 9.0}], "overtalk": None})
    _call(store, 4, None)  # not analysed: matches neither true nor false

    def ids(dead_air: bool | None = None, overtalk: bool | None = None) -> set[int]:
        rows, total = store.search(CallFilter(dead_air=dead_air, overtalk=overtalk), 50, 0)
        assert total == len(rows)
        return {c.id for c in rows}

    assert ids(dead_air=True) == {both, mono}
    assert ids(dead_air=False) == {clean}
    assert ids(overtalk=True) == {both}
    assert ids(overtalk=False) == {clean}
    assert ids(dead_air=True, overtalk=False) == set()

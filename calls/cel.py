"""Reads Asterisk's Channel Event Log (issue 13): the SQLite file cel_sqlite3_custom writes in
the instance's log folder (dialplan/cel_sqlite3_custom.conf.j2). A thin adapter: rows as
dicts, grouped by call; what they mean is calls/reconcile.py's business.

One short read transaction per call, so Asterisk (which keeps writing, with a busy timeout) is
never held up for long. Opened read-write but `query_only`: nothing is ever written, yet a
journal left hot by an Asterisk killed mid-write can be rolled back (a read-only connection
refuses to read such a file)."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

COLUMNS = ("AcctId", "eventtype", "eventtime", "cid_name", "cid_num", "exten", "context",
           "channame", "appname", "appdata", "uniqueid", "linkedid", "peer", "userdeftype",
           "eventextra")


class CelError(RuntimeError):
    """The CEL file exists but cannot be read."""


class CelLog:
    def __init__(self, path: Path, timeout: float = 2.0) -> None:
        self.path = path
        self.timeout = timeout

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            con = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=self.timeout)
        except sqlite3.Error as e:
            raise CelError(f"{self.path}: {e}") from e
        try:
            con.execute("PRAGMA query_only = ON")
            yield con
        except sqlite3.Error as e:
            raise CelError(f"{self.path}: {e}") from e
        finally:
            con.close()

    def calls_since(self, since: float) -> list[str]:
        """The calls (linkedids) with an event at or after `since` (epoch seconds), in log
        order. Empty when Asterisk has not logged anything yet."""
        if not self.path.exists():
            return []
        with self._connect() as con:
            if not _has_table(con):
                return []
            first = _first_row_at(con, since)
            if first is None:
                return []
            return [str(r[0]) for r in con.execute(
                "SELECT linkedid FROM cel WHERE AcctId >= ? GROUP BY linkedid "
                "ORDER BY MIN(AcctId)", (first,))]

    def rows(self, linkedids: Collection[str], since: float) -> dict[str, list[dict[str, Any]]]:
        """Each call's rows in log order, read from the first row at `since` on (the log has
        no index on linkedid: the range keeps a year-old file from being read whole). Give a
        `since` before the calls' start: a day before the window covers any real call."""
        wanted = list(linkedids)
        if not wanted or not self.path.exists():
            return {}
        calls: dict[str, list[dict[str, Any]]] = {}
        with self._connect() as con:
            if not _has_table(con):
                return {}
            first = _first_row_at(con, since)
            if first is None:
                return {}
            for i in range(0, len(wanted), 500):
                chunk = wanted[i:i + 500]
                marks = ",".join("?" * len(chunk))
                for row in con.execute(f"SELECT {', '.join(COLUMNS)} FROM cel WHERE AcctId >= ?"
                                       f" AND linkedid IN ({marks}) ORDER BY AcctId",
                                       [first, *chunk]):
                    record = dict(zip(COLUMNS, row, strict=True))
                    calls.setdefault(str(record["linkedid"]), []).append(record)
        return calls


def _has_table(con: sqlite3.Connection) -> bool:
    return con.execute("SELECT 1 FROM sqlite_master WHERE name = 'cel'").fetchone() is not None


def _first_row_at(con: sqlite3.Connection, since: float) -> int | None:
    """The first AcctId whose event is at or after `since`: a binary search over the key (the
    log is append-only, so times grow with it), never a scan of a year of rows."""
    lo_hi = con.execute("SELECT MIN(AcctId), MAX(AcctId) FROM cel").fetchone()
    if lo_hi is None or lo_hi[0] is None:
        return None
    lo, hi = int(lo_hi[0]), int(lo_hi[1])
    if _time_at(con, hi) < since:
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if _time_at(con, mid) < since:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _time_at(con: sqlite3.Connection, acct_id: int) -> float:
    row = con.execute("SELECT AcctId, eventtime FROM cel WHERE AcctId >= ? ORDER BY AcctId "
                      "LIMIT 1", (acct_id,)).fetchone()
    try:
        return float(row[1]) if row else float("inf")
    except (TypeError, ValueError):
        return 0.0

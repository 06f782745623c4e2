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


PRUNE_BATCH = 5000  # rows per transaction: Asterisk's writer waits at most busy_timeout (1 s)


def first_kept(path: Path, before: float, timeout: float = 2.0) -> tuple[int, int]:
    """The first AcctId a prune at `before` keeps (past the last row when every row is older:
    rows Asterisk appends meanwhile are newer and stay) and how many rows come before it."""
    if not path.exists():
        return 0, 0
    with CelLog(path, timeout)._connect() as con:
        if not _has_table(con):
            return 0, 0
        first = _first_row_at(con, before)
        if first is None:
            last = con.execute("SELECT MAX(AcctId) FROM cel").fetchone()[0]
            first = 0 if last is None else int(last) + 1
        count = con.execute("SELECT COUNT(*) FROM cel WHERE AcctId < ?", (first,)).fetchone()[0]
        return first, int(count)


def prune(path: Path, upto: int, timeout: float = 2.0) -> int:
    """Deletes the rows before AcctId `upto`, in short transactions, while Asterisk keeps
    appending. The one writer of this file besides Asterisk: the retention purge (R26:
    callers' numbers are not kept longer than the policy says). Returns the rows removed."""
    if not path.exists():
        return 0
    removed = 0
    try:
        con = sqlite3.connect(path, timeout=timeout)
    except sqlite3.Error as e:
        raise CelError(f"{path}: {e}") from e
    try:
        if not _has_table(con):
            return 0
        while True:
            with con:  # one transaction per batch
                cur = con.execute(
                    "DELETE FROM cel WHERE AcctId IN (SELECT AcctId FROM cel WHERE AcctId < ? "
                    f"ORDER BY AcctId LIMIT {PRUNE_BATCH})", (upto,))
            removed += cur.rowcount
            if cur.rowcount < PRUNE_BATCH:
                return removed
    except sqlite3.Error as e:
        raise CelError(f"{path}: {e}") from e
    finally:
        con.close()


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

"""Finished call records waiting for the database (R12: nothing lost while it is down).

Crash-safe by construction:
- a record is appended as one JSON line and fsynced before `append` returns;
- a record leaves the spool only after the database committed it (`settle` rewrites the file
  without it, through a temporary file, fsync and an atomic rename), so a crash or a
  cancellation at any point leaves it in the spool, to be written again (saving is idempotent
  by linkedid);
- a line that cannot be read back (torn by a crash mid-write, or written by another version) is
  moved to a quarantine file beside the spool, with a log line, and never blocks the others.

Appends come from worker threads while a flush runs: one lock orders them, and lines appended
during a flush are kept."""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from callrecords.record import CallRecord, record_from_dict, record_to_dict

log = logging.getLogger(__name__)

SPOOL_NAME = "pending-calls.jsonl"


@dataclass
class SpoolEntry:
    line: bytes  # without its newline
    record: CallRecord | None
    problem: str = ""  # why the line could not be read, when record is None


@dataclass
class SpoolBatch:
    """The spool as read at one moment: its entries and how many bytes they took."""

    size: int
    entries: list[SpoolEntry] = field(default_factory=list)

    @property
    def records(self) -> list[tuple[int, CallRecord]]:
        return [(i, e.record) for i, e in enumerate(self.entries) if e.record is not None]

    @property
    def unreadable(self) -> list[SpoolEntry]:
        return [e for e in self.entries if e.record is None]


class Spool:
    def __init__(self, folder: Path) -> None:
        self.path = folder / SPOOL_NAME
        self.quarantine = folder / "pending-calls.quarantine.jsonl"
        # Versions before 2026-12 renamed the spool to this while flushing; a crash then left
        # it behind. Its lines are taken back into the spool.
        self.legacy = self.path.with_suffix(".flushing")
        self._lock = threading.Lock()

    def append(self, record: CallRecord) -> None:
        """Writes the record durably; raises OSError if it cannot (disk full, no folder)."""
        line = json.dumps(record_to_dict(record), ensure_ascii=False).encode("utf-8") + b"\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._append_lines(self.path, [line])

    def pending(self) -> int:
        """Records waiting (lines of the spool and of a legacy flushing file)."""
        return _count_lines(self.path) + _count_lines(self.legacy)

    def quarantined(self) -> int:
        return _count_lines(self.quarantine)

    def read(self) -> SpoolBatch:
        with self._lock:
            self._adopt_legacy()
            try:
                data = self.path.read_bytes()
            except FileNotFoundError:
                return SpoolBatch(0)
        batch = SpoolBatch(len(data))
        for raw in data.split(b"\n"):
            if raw.strip():
                batch.entries.append(_parse(raw))
        return batch

    def settle(self, batch: SpoolBatch, written: set[int]) -> None:
        """Removes the entries the database committed (their indexes in the batch) and moves
        unreadable ones to the quarantine; keeps the rest and whatever was appended since the
        batch was read."""
        bad = batch.unreadable
        if not written and not bad:
            return
        with self._lock:
            if bad:
                for entry in bad:
                    log.error("spooled call record unreadable (%s); moved to %s: %.200r",
                              entry.problem, self.quarantine, entry.line)
                self._append_lines(self.quarantine, [e.line + b"\n" for e in bad])
            try:
                current = self.path.read_bytes()
            except FileNotFoundError:
                current = b""
            keep = [e.line + b"\n" for i, e in enumerate(batch.entries)
                    if i not in written and e.record is not None]
            tail = current[batch.size:]
            if tail and not tail.endswith(b"\n"):
                tail += b"\n"
            self._replace(self.path, b"".join(keep) + tail)

    # -- files ------------------------------------------------------------------------------
    def _adopt_legacy(self) -> None:
        try:
            data = self.legacy.read_bytes()
        except FileNotFoundError:
            return
        lines = [raw + b"\n" for raw in data.split(b"\n") if raw.strip()]
        if lines:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._append_lines(self.path, lines)
        self.legacy.unlink()
        log.warning("took %d record(s) back from %s into the spool", len(lines), self.legacy)

    @staticmethod
    def _append_lines(path: Path, lines: list[bytes]) -> None:
        with path.open("a+b") as f:
            # A crash mid-write leaves a line without its newline: end it, so the next record
            # is not glued to it (the torn line is then quarantined on its own).
            if f.tell() > 0:
                f.seek(-1, os.SEEK_END)
                if f.read(1) != b"\n":
                    f.write(b"\n")
            f.write(b"".join(lines))
            f.flush()
            os.fsync(f.fileno())

    @staticmethod
    def _replace(path: Path, data: bytes) -> None:
        if not data:
            path.unlink(missing_ok=True)
        else:
            part = path.with_suffix(".tmp")
            with part.open("wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            part.replace(path)
        _fsync_folder(path.parent)


def _parse(raw: bytes) -> SpoolEntry:
    try:
        return SpoolEntry(raw, record_from_dict(json.loads(raw)))
    except Exception as e:  # any line we cannot read back is quarantined, never fatal
        return SpoolEntry(raw, None, f"{type(e).__name__}: {e}")


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return sum(1 for line in f if line.strip())
    except OSError:  # none yet, or its folder unusable (health reports that separately)
        return 0


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

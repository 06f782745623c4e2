"""wait_complete_async (issue 9): the bridge waits for MixMonitor's file to stop growing without
holding a worker thread, so other calls' records are written meanwhile."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from recordings.storage import RecordingError, wait_complete_async


async def test_returns_once_the_file_stops_growing_and_frees_the_loop(tmp_path: Path) -> None:
    raw = tmp_path / "1.raw"
    raw.write_bytes(b"\0" * 4)
    ticks = 0

    async def meanwhile() -> None:
        nonlocal ticks
        for _ in range(5):
            ticks += 1
            await asyncio.sleep(0.01)

    await asyncio.gather(wait_complete_async(raw, timeout=2, settle=0.05), meanwhile())
    assert ticks == 5  # the loop ran other work while the file was being watched


async def test_a_missing_file_is_a_recording_error(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match="not found"):
        await wait_complete_async(tmp_path / "nope.raw", timeout=0.2, settle=0.05)

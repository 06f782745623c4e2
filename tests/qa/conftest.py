"""Fixtures of the QA tests (qa_world builds them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from qa_world import QaWorld, make_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[QaWorld]:
    yield from make_world(tmp_path)

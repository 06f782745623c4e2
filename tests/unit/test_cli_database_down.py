"""Issue 13 item 8: the commands that read the database directly say in one line that it
cannot be used, which one (password hidden) and what to do; no traceback."""

from __future__ import annotations

import pytest

from tests.unit.test_cli_errors import _one_line, hotline

DOWN = "postgresql+psycopg://hotline:s3cret@127.0.0.1:1/hotline"  # nothing listens on port 1


@pytest.mark.parametrize("command", [("tokens", "list"), ("calls", "export"),
                                     ("purge", "--dry-run")])
def test_a_database_that_is_down_is_one_line(command: tuple[str, ...]) -> None:
    line = _one_line(hotline(*command, HOTLINE_STORAGE__DATABASE_URL=DOWN))
    assert line.startswith("hotline: the database postgresql+psycopg://hotline:***@127.0.0.1:1/"
                           "hotline cannot be used (connection failed")
    assert "storage.database_url" in line and "s3cret" not in line

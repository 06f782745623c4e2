"""Issue 12, what an operator sees of the running service: one log format on the console (its
own progress lines, the bridge's and the libraries' all as `time LEVEL logger: message`), and
the root's Asterisk version in /health."""

from __future__ import annotations

import re

import pytest

from pbx.provision import installed_version, recorded_version
from tests.telephony.conftest import Hotline

pytestmark = pytest.mark.asterisk

RECORD = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) "
                    r"[\w.]+: ")


def test_the_console_has_one_format(hotline: Hotline) -> None:
    lines = [x for x in hotline.service.log.read_text(encoding="utf-8").splitlines() if x]
    started = [x for x in lines if "API on http://" in x]
    assert started, lines[-20:]
    after_error = False
    for line in lines:
        record = RECORD.match(line)
        if record:
            after_error = record.group(1) in ("ERROR", "CRITICAL")
        else:  # only a traceback following an ERROR line may continue it
            assert after_error, line
    assert RECORD.match(started[0]) and " INFO hotline: " in started[0]
    assert not any("alembic" in x and " INFO " in x for x in lines)  # chatter: --verbose only


def test_health_shows_the_asterisk_version_recorded_at_provision(hotline: Hotline) -> None:
    health = hotline.api.client.get("/health").json()
    version = installed_version(hotline.instance.root)
    assert version and health["asterisk_version"] == version
    assert health["status"] == "ok"  # a version is information, not a part that is down
    assert recorded_version(hotline.instance.root) == version  # recorded by `hotline up`

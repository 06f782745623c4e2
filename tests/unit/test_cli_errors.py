"""Issue 12: every command says in one line what is wrong and what to do, exits non-zero, and
shows no traceback unless --verbose; demo-call checks --at and the service before placing
anything."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from tests.telephony.ports import free_port


def hotline(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # A bounded run: the stopped-service case used to wait 21 s before failing.
    return subprocess.run([sys.executable, "-m", "hotline", *args], capture_output=True,
                          text=True, timeout=15, env={**os.environ, **env})


def _one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_demo_call_with_the_service_stopped() -> None:
    proc = hotline("demo-call", HOTLINE_API__BIND=f"127.0.0.1:{free_port()}")
    line = _one_line(proc)
    assert "the service is not running" in line and "make up" in line
    assert "Statistics" not in proc.stdout  # no SIPp screen: nothing was started
    assert proc.stdout == ""


def test_demo_call_refuses_a_bad_time_before_anything_else() -> None:
    # The service is not running either: the time is checked first, so that is what is said.
    proc = hotline("demo-call", "--at", "next monday", HOTLINE_API__BIND=f"127.0.0.1:{free_port()}")
    line = _one_line(proc)
    assert "--at 'next monday' is not a time" in line and "2026-11-23T10:00:00" in line


def test_demo_call_at_needs_the_caller_among_the_demo_peers() -> None:
    proc = hotline("demo-call", "--at", "2026-11-23T10:00:00",
                   HOTLINE_DEMO__CLOCK_PEERS="[]", HOTLINE_API__BIND=f"127.0.0.1:{free_port()}")
    assert "demo.clock_peers" in _one_line(proc)


def test_verbose_shows_the_traceback() -> None:
    proc = hotline("demo-call", "--verbose", HOTLINE_API__BIND=f"127.0.0.1:{free_port()}")
    assert proc.returncode != 0 and "Traceback" in proc.stderr
    assert "the service is not running" in proc.stderr


def test_check_config_shows_effective_values_and_the_start_warnings() -> None:
    import json

    proc = hotline("check-config")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["analysis"]["dead_air_min_seconds"] == 5.0  # not {} with the defaults
    assert data["analysis"]["vad_aggressiveness"] == 2
    assert data["demo"]["clock_peers"] == ["127.0.0.0/8", "::1/128"]
    assert data["ami"]["secret"] == "***" and "change-me-qa" not in proc.stdout
    assert data["ami"]["originate_secret"] == "***"
    # What `hotline up` warns about, in one line each.
    assert "warning: agents[0].password, agents[1].password, supervisors[0].password, " \
        "ami.secret, ami.originate_secret, api.tokens still " \
        "have their example value" in proc.stderr
    assert data["supervisors"][0]["password"] == "***" and "change-me-9001" not in proc.stdout


def test_configuration_errors_are_one_line() -> None:
    line = _one_line(hotline("check-config", "--config", "/nonexistent/hotline.toml"))
    assert "configuration file /nonexistent/hotline.toml not found" in line
    line = _one_line(hotline("demo-call", HOTLINE_QUEUE__RING_TIMEOUT="0"))
    assert "queue.ring_timeout" in line and "fix queue.ring_timeout" in line


def test_help_has_no_placeholder_types_and_describes_every_option() -> None:
    import typer

    from hotline.cli import app

    # typer carries its own click: walk its command tree by shape, not by click's classes.
    def commands(command: Any, path: list[str]) -> list[list[str]]:
        found = [path]
        for name, sub in getattr(command, "commands", {}).items():
            found += commands(sub, [*path, name])
        return found

    root: Any = typer.main.get_command(app)
    for path in commands(root, []):
        proc = hotline(*path, "--help")
        assert proc.returncode == 0, proc.stderr
        text = proc.stdout.replace("<SECTION>", "").replace("<KEY>", "").replace("<=", "")
        assert "<" not in text, (path, proc.stdout)
        command = root
        for name in path:
            command = command.commands[name]
        assert command.help, path
        for param in command.params:  # typer: help on its own Parameter classes
            assert param.param_type_name != "option" or param.help, (path, param.name)
    assert "2026-11-23T10:00:00" in hotline("demo-call", "--help").stdout


def test_provision_that_would_change_the_version_asks_for_upgrade(tmp_path) -> None:
    from tests.unit.test_provision_version import NEW, OLD, _root

    root = _root(tmp_path / "root").root
    proc = hotline("asterisk", "provision", HOTLINE_STORAGE__ASTERISK_ROOT=str(root),
                   HOTLINE_ASTERISK__VERSION=NEW)
    line = _one_line(proc)
    assert OLD in line and NEW in line and "hotline asterisk provision --upgrade" in line


def test_a_bad_demo_network_is_refused_naming_the_key() -> None:
    line = _one_line(hotline("check-config", HOTLINE_DEMO__CLOCK_PEERS='["loopback"]'))
    assert "demo.clock_peers[0]" in line and "'loopback' is not an address" in line

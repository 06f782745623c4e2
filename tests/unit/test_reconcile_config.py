"""The configuration of issue 13's nothing-lost parts: Asterisk is rendered to keep its CEL in
SQLite with the columns the reconciliation reads, the dialplan logs its routing decision into
it, and [reconcile]/[watchdog] refuse bad values naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from calls.cel import COLUMNS
from pbx.layout import Instance
from pbx.render import render_config
from settings import ConfigError, load_settings


def test_asterisk_keeps_its_cel_in_sqlite_with_what_the_reconciliation_reads(tmp_path: Path
                                                                            ) -> None:
    settings = load_settings(environ={"HOTLINE_STORAGE__ASTERISK_ROOT": str(tmp_path / "root")})
    instance = Instance.of(settings)
    render_config(settings, instance)
    modules = (instance.etc / "modules.conf").read_text(encoding="utf-8")
    for module in ("res_cdrel_custom.so", "cel_sqlite3_custom.so", "app_celgenuserevent.so"):
        assert f"load => {module}" in modules
    cel = (instance.etc / "cel.conf").read_text(encoding="utf-8")
    assert "enable = yes" in cel and "apps = queue,voicemail" in cel
    assert "USER_DEFINED" in cel and "LINKEDID_END" in cel
    custom = (instance.etc / "cel_sqlite3_custom.conf").read_text(encoding="utf-8")
    columns = next(line for line in custom.splitlines() if line.startswith("columns =>"))
    assert [c.strip() for c in columns.split("=>")[1].split(",")] == list(COLUMNS[1:])
    dialplan = (instance.etc / "extensions.conf").read_text(encoding="utf-8")
    assert ("CELGenUserEvent(HotlineRoute,Route=${HOTLINE_ROUTE}&Decider=${HOTLINE_DECIDER})"
            in dialplan)
    assert instance.cel == instance.log / "master.db"


@pytest.mark.parametrize(("text", "key"), [
    ("[reconcile]\nlookback_hours = 0\n", "reconcile.lookback_hours"),
    ("[reconcile]\ngrace_seconds = -1\n", "reconcile.grace_seconds"),
    ("[reconcile]\nlookback = 3\n", "reconcile.lookback"),
    ("[watchdog]\ncheck_seconds = 0\n", "watchdog.check_seconds"),
    ('[watchdog]\nrestart_delay_max = "soon"\n', "watchdog.restart_delay_max"),
])
def test_bad_values_are_refused_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(f, environ={})
    assert err.value.key == key


def test_defaults() -> None:
    settings = load_settings(environ={})
    assert (settings.reconcile.lookback_hours, settings.reconcile.grace_seconds) == (72, 5)
    assert (settings.watchdog.check_seconds, settings.watchdog.restart_delay,
            settings.watchdog.restart_delay_max) == (0.5, 0.5, 30)

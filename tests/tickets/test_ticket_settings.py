"""[tickets] and [tickets.clocks]: the issue's names and defaults; a malformed duration is
refused at start naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import ConfigError, load_settings


def test_defaults_are_the_issues() -> None:
    t = load_settings(environ={}).tickets
    assert (t.webhook_url, t.collective_min_customers, t.collective_window, t.major_after,
            t.callback_assistance_share) == ("", 5, "24h", "30d", 0.3)
    assert t.clocks.model_dump() == {
        "start": "10wmin", "react": "10wmin", "result_general": "2wh", "result_major": "2wd",
        "callback": "2wd", "callback_assistance": "3d", "answer": "3d", "reply": "24h"}


@pytest.mark.parametrize(("key", "value"), [
    ("clocks.result_major", "2 weeks"), ("clocks.start", "10"), ("clocks.reply", "0h"),
    ("collective_window", "a day"), ("major_after", "30"), ("clocks.callback", "2wdays")])
def test_a_malformed_duration_is_refused_naming_the_key(tmp_path: Path, key: str,
                                                        value: str) -> None:
    section, _, name = key.rpartition(".")
    table = "tickets" + (f".{section}" if section else "")
    path = tmp_path / "h.toml"
    path.write_text(f'[{table}]\n{name} = "{value}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"tickets\.{key}: .*not a duration|at least 1"):
        load_settings(path, environ={})


def test_other_ticket_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"tickets\.callback_assistance_share"):
        load_settings(environ={"HOTLINE_TICKETS__CALLBACK_ASSISTANCE_SHARE": "1.5"})
    with pytest.raises(ConfigError, match=r"tickets\.webhook_url"):
        load_settings(environ={"HOTLINE_TICKETS__WEBHOOK_URL": "ftp://x"})
    with pytest.raises(ConfigError, match=r"tickets\.clocks\.colour"):
        load_settings(environ={"HOTLINE_TICKETS__CLOCKS__COLOUR": "1h"})


def test_the_example_configuration_loads() -> None:
    example = Path(__file__).resolve().parents[2] / "hotline.example.toml"
    assert load_settings(example, environ={}).tickets.clocks.result_major == "2wd"

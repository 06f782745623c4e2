"""Configuration: defaults < file < environment; a bad value names its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import ConfigError, load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "hotline.example.toml"


def test_embedded_defaults_are_valid() -> None:
    s = load_settings(environ={})
    assert s.company.timezone == "Asia/Shanghai"
    assert s.queue.ring_timeout == 15  # R1: three rings
    assert s.queue.service_level == 30
    assert s.agents and s.storage.database_url.startswith("sqlite:")


def test_example_file_is_valid() -> None:
    s = load_settings(EXAMPLE, environ={})
    assert s.hotline.number == "4008001234"
    assert [a.number for a in s.agents] == ["1001", "1002"]


def test_file_overrides_defaults_and_env_overrides_file(tmp_path: Path) -> None:
    f = tmp_path / "h.toml"
    f.write_text('[queue]\nring_timeout = 20\n[[agents]]\nnumber = "2001"\nname = "王五"\n'
                 'password = "pw-2001"\n', encoding="utf-8")
    s = load_settings(f, environ={"HOTLINE_QUEUE__MAX_WAIT": "60",
                                  "HOTLINE_AMI__SECRET": "from-env"})
    assert s.queue.ring_timeout == 20 and s.queue.max_wait == 60
    assert s.ami.secret == "from-env"
    assert [a.number for a in s.agents] == ["2001"]  # a list replaces, not appends
    assert s.queue.service_level == 30  # untouched keys keep their defaults


def test_env_inline_table(tmp_path: Path) -> None:
    s = load_settings(environ={"HOTLINE_API__TOKENS": '{ "abc" = "qa" }'})
    assert s.api.tokens == {"abc": "qa"}


@pytest.mark.parametrize(("text", "key"), [
    ('[queue]\nring_timeout = "x"\n', "queue.ring_timeout"),
    ('[queue]\nring_timout = 5\n', "queue.ring_timout"),
    ('[hours]\nmon = ["9-18"]\n', "hours.mon"),
    ('[hours]\nmon = ["18:00-09:00"]\n', "hours.mon"),
    ('[company]\nname = "x"\ntimezone = "Mars/Base"\n', "company.timezone"),
    ('[sip]\nbind = "localhost"\n', "sip.bind"),
    ('[[agents]]\nnumber = "1001"\nname = "a"\n', "agents[0].password"),
    ('[holidays]\nclosed = ["2026-13-01"]\n', "holidays.closed[0]"),
    ('[analysis]\ndead_air_seconds = 5\n', "analysis"),
    ('[after_hours]\nforward_to = "call me"\n', "after_hours.forward_to"),
    ('[[supervisors]]\nnumber = "1001"\nname = "a"\npassword = "pw-1001"\n',
     "supervisors[0].number"),  # R18: a supervisor's phone is not an agent's
    ('[[supervisors]]\nnumber = "9x"\nname = "a"\npassword = "pw-9001"\n',
     "supervisors[0].number"),
    ('[features]\nlisten = "25"\n', "features.listen"),
])
def test_bad_value_is_refused_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(f, environ={})
    assert err.value.key == key
    assert key in str(err.value) and str(f) in str(err.value)


def test_duplicate_agent_refused(tmp_path: Path) -> None:
    f = tmp_path / "dup.toml"
    agent = '[[agents]]\nnumber = "1001"\nname = "a"\npassword = "pw-1001"\n'
    f.write_text(agent * 2, encoding="utf-8")
    with pytest.raises(ConfigError, match="appears twice"):
        load_settings(f, environ={})


def test_syntax_error_and_missing_file(tmp_path: Path) -> None:
    f = tmp_path / "broken.toml"
    f.write_text("[queue\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="syntax"):
        load_settings(f, environ={})
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_bad_environment_value_names_key_and_source() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(environ={"HOTLINE_QUEUE__RING_TIMEOUT": "0"})
    assert err.value.key == "queue.ring_timeout" and "environment" in str(err.value)


def test_env_values_stay_strings_unless_toml_literals() -> None:
    s = load_settings(environ={"HOTLINE_AFTER_HOURS__FORWARD_TO": "13800000000",
                               "HOTLINE_COMPANY__TIMEZONE": '"Europe/Paris"',
                               "HOTLINE_SIP__TRUNK_HOSTS": '["127.0.0.11", "127.0.0.12"]'})
    assert s.after_hours.forward_to == "13800000000"
    assert s.company.timezone == "Europe/Paris"
    assert s.sip.trunk_hosts == ["127.0.0.11", "127.0.0.12"]


def test_example_secrets_are_reported_at_start() -> None:
    from hotline.service import default_secrets

    assert set(default_secrets(load_settings(environ={}))) == {
        "agents[0].password", "agents[1].password", "supervisors[0].password", "ami.secret",
        "ami.originate_secret",
        "api.tokens"}
    own = load_settings(environ={"HOTLINE_AMI__SECRET": "s3cret-x",
                                 "HOTLINE_API__TOKENS": '{ "t0k3n" = "qa" }'})
    assert "ami.secret" not in default_secrets(own) and "api.tokens" not in default_secrets(own)


def test_hours_replace_the_defaults_so_a_weekday_left_out_is_closed(tmp_path: Path) -> None:
    f = tmp_path / "h.toml"
    f.write_text('[hours]\nmon = ["08:00-20:00"]\nsat = ["10:00-16:00"]\n', encoding="utf-8")
    s = load_settings(f, environ={})
    assert s.hours.mon == ["08:00-20:00"] and s.hours.sat == ["10:00-16:00"]
    assert s.hours.tue == [] and s.hours.fri == []  # in the defaults, but left out here
    # Other sections still merge key by key.
    f.write_text('[prompts]\ngreeting = "你好"\n', encoding="utf-8")
    s = load_settings(f, environ={})
    assert s.prompts.greeting == "你好" and s.prompts.voicemail
    assert s.hours.tue  # no [hours] given: the defaults stand


def test_env_changes_one_weekday_without_closing_the_others() -> None:
    s = load_settings(environ={"HOTLINE_HOURS__SAT": '["10:00-12:00"]'})
    assert s.hours.sat == ["10:00-12:00"] and s.hours.mon  # weekdays keep their hours


@pytest.mark.parametrize(("key", "value"), [
    ("HOTLINE_HOTLINE__NUMBER", "4008001234\n"),
    ("HOTLINE_AFTER_HOURS__FORWARD_TO", "13800000000\n"),
])
def test_a_number_with_a_trailing_newline_is_refused(key: str, value: str) -> None:
    # It would be written into the rendered dialplan as a line break.
    with pytest.raises(ConfigError):
        load_settings(environ={key: value})

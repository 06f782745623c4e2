"""[queue] sign_in/wrapup and [features] (R24, issue 8): names as the issue gives them, bad
values refused naming the key, and what they render into Asterisk's configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from pbx.layout import Instance
from pbx.render import render_config
from settings import ConfigError, load_settings

AGENTS = ('[[agents]]\nnumber = "1001"\nname = "张三"\npassword = "s3cret-1001"\n'
          '[[agents]]\nnumber = "1002"\nname = "李四"\npassword = "s3cret-1002"\n')


def render(tmp_path: Path, extra: str = "") -> dict[str, str]:
    config = tmp_path / "hotline.toml"
    config.write_text(extra + "\n" + AGENTS, encoding="utf-8")
    settings = load_settings(config, environ={
        "HOTLINE_STORAGE__ASTERISK_ROOT": str(tmp_path / "root")})
    render_config(settings, Instance.of(settings))
    etc = Instance.of(settings).etc
    return {name: (etc / name).read_text(encoding="utf-8")
            for name in ("queues.conf", "extensions.conf")}


def test_the_defaults_are_the_issues() -> None:
    s = load_settings(environ={})
    assert (s.queue.sign_in, s.queue.wrapup) == ("auto", 0)
    f = s.features
    assert (f.sign_in, f.sign_out, f.pause, f.resume) == ("*21", "*22", "*23", "*24")
    assert f.pause_reasons == {"1": "lunch", "2": "training", "3": "after_call_work"}


def test_auto_keeps_members_unpaused_and_wrapup_comes_from_the_setting(tmp_path: Path) -> None:
    conf = render(tmp_path, "[queue]\nwrapup = 7\n")
    assert "wrapuptime = 7" in conf["queues.conf"]
    assert ("member => Local/1001@hotline-agent-dial/n,0,1001,PJSIP/1001\n"
            in conf["queues.conf"])
    assert "HOTLINE_PRESENCE_INITIAL = available" in conf["extensions.conf"]


def test_required_members_start_paused(tmp_path: Path) -> None:
    conf = render(tmp_path, '[queue]\nsign_in = "required"\n')
    assert ("member => Local/1002@hotline-agent-dial/n,0,1002,PJSIP/1002,,,yes\n"
            in conf["queues.conf"])
    assert "HOTLINE_PRESENCE_INITIAL = signed_out" in conf["extensions.conf"]


def test_the_codes_and_reasons_reach_the_dialplan(tmp_path: Path) -> None:
    conf = render(tmp_path, '[features]\nsign_in = "*71"\npause = "*73"\n'
                            'pause_reasons = { "5" = "meeting" }\n')["extensions.conf"]
    assert "exten => *71,1,Gosub(hotline-presence,s,1(sign_in,))" in conf
    assert "exten => _*73X,1,Gosub(hotline-presence,s,1(pause,${EXTEN:3}))" in conf
    assert "HOTLINE_PAUSE_REASON_5 = meeting" in conf
    assert "HOTLINE_PAUSE_REASON_1" not in conf


@pytest.mark.parametrize(("text", "key"), [
    ('[queue]\nsign_in = "sometimes"', "queue.sign_in"),
    ("[queue]\nwrapup = -1", "queue.wrapup"),
    ('[features]\nsign_in = "21"', "features.sign_in"),
    ('[features]\npause = "*2;3"', "features.pause"),
    ('[features]\npause_reasons = { "12" = "lunch" }', "features.pause_reasons"),
    ('[features]\npause_reasons = { "1" = "signed_out" }', "features.pause_reasons"),
    ('[features]\npause_reasons = { "1" = "Lunch Break" }', "features.pause_reasons"),
    ('[features]\nresume = "*21"', "features"),
])
def test_bad_values_are_refused_naming_the_key(tmp_path: Path, text: str, key: str) -> None:
    config = tmp_path / "h.toml"
    config.write_text(text + "\n" + AGENTS, encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_settings(config, environ={})
    assert key in str(e.value)

"""[[supervisors]] and [features] listen (R18) rendered into Asterisk's configuration."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pbx.layout import Instance
from pbx.render import SIP_REALM, render_config
from settings import load_settings


def test_supervisors_are_phones_of_their_own_never_queued(tmp_path: Path) -> None:
    config = tmp_path / "hotline.toml"
    config.write_text('[[supervisors]]\nnumber = "9002"\nname = "赵六"\npassword = "s3cret-9002"\n'
                      '[features]\nlisten = "*7"\n', encoding="utf-8")
    settings = load_settings(config, environ={
        "HOTLINE_STORAGE__ASTERISK_ROOT": str(tmp_path / "root")})
    render_config(settings, Instance.of(settings))
    etc = Instance.of(settings).etc
    pjsip = (etc / "pjsip.conf").read_text(encoding="utf-8")
    ha1 = hashlib.md5(f"9002:{SIP_REALM}:s3cret-9002".encode()).hexdigest()
    assert f"password_digest = MD5:{ha1}" in pjsip and "s3cret" not in pjsip
    endpoint = pjsip[pjsip.index("[9002]\ntype = endpoint"):]
    assert "context = from-supervisors" in endpoint.split("\n\n")[0]
    assert "9002" not in (etc / "queues.conf").read_text(encoding="utf-8")
    dialplan = (etc / "extensions.conf").read_text(encoding="utf-8")
    # The configured code + each agent's 工号 listens in; an unknown 工号 is refused.
    assert "exten => *71001,1,Set(HOTLINE_LIVE_AGENT=1001)" in dialplan
    assert "Set(HOTLINE_LIVE_TARGET=PJSIP/1001-)" in dialplan
    assert "exten => _*7X.,1,UserEvent(HotlineLiveRefused" in dialplan and "${EXTEN:2}" in dialplan
    assert "ChanSpy(${HOTLINE_LIVE_TARGET},qbES${HOTLINE_LIVE_OPTIONS})" in dialplan
    assert "load => app_chanspy.so" in (etc / "modules.conf").read_text(encoding="utf-8")


def test_the_defaults_have_one_demo_supervisor() -> None:
    settings = load_settings(environ={})
    assert [(s.number, s.name) for s in settings.supervisors] == [("9001", "王五")]
    assert settings.features.listen == "*25"

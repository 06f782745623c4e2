"""Rendered Asterisk configuration keeps no agent's SIP password in clear (issue 13): only the
RFC 2617 digest, which phones' digest authentication needs and which cannot be turned back into
the password. (That phones still register with it: every test in tests/telephony/.)"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pbx.layout import Instance
from pbx.render import SIP_REALM, render_config
from settings import load_settings


def test_pjsip_conf_holds_digests_not_passwords(tmp_path: Path) -> None:
    config = tmp_path / "hotline.toml"
    config.write_text('[[agents]]\nnumber = "1001"\nname = "张三"\npassword = "s3cret-1001"\n'
                      '[[agents]]\nnumber = "1002"\nname = "李四"\npassword = "s3cret-1002"\n',
                      encoding="utf-8")
    settings = load_settings(config, environ={
        "HOTLINE_STORAGE__ASTERISK_ROOT": str(tmp_path / "root")})
    render_config(settings, Instance.of(settings))
    pjsip = (Instance.of(settings).etc / "pjsip.conf").read_text(encoding="utf-8")
    assert "s3cret" not in pjsip
    for agent in ("1001", "1002"):
        ha1 = hashlib.md5(f"{agent}:{SIP_REALM}:s3cret-{agent}".encode()).hexdigest()
        assert f"password_digest = MD5:{ha1}" in pjsip
    assert "auth_type = userpass" not in pjsip and "\npassword =" not in pjsip

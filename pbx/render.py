"""Renders the project's Asterisk configuration (dialplan/*.j2 + settings) into the root, and
installs the pyst2 fallback AGI with the decision code it shares with the bridge."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from pathlib import Path

import jinja2

import domain
from domain.netmatch import permit_regex
from pbx.layout import Instance
from pbx.ownership import RUN_USER, run_ids
from settings import Settings
from settings.policy import policy_from_settings

TEMPLATES = (
    "asterisk.conf", "modules.conf", "logger.conf", "rtp.conf", "manager.conf",
    "musiconhold.conf", "indications.conf", "voicemail.conf", "queues.conf", "pjsip.conf",
    "extensions.conf", "cel.conf", "cel_sqlite3_custom.conf",
)
# Modules read these even when the feature is off; empty files keep the log free of errors.
QUIET = {"cdr.conf": "[general]\nenable = no\n",
         "features.conf": "[general]\n", "acl.conf": "", "udptl.conf": "[general]\n",
         "pjproject.conf": "", "ccss.conf": "[general]\n"}
# What the fallback AGI imports inside the root: our decision code and two pure-Python libraries.
FALLBACK_MODULES = ("domain/__init__.py", "domain/status.py", "domain/workcal.py",
                    "domain/routing.py", "domain/policy.py", "ivr/__init__.py",
                    "ivr/agi_fallback.py")
FALLBACK_LIBRARIES = ("asterisk", "chinese_calendar", "six")
FALLBACK_LAUNCHER = """#!/usr/bin/python3
# Installed by `hotline asterisk render`: the routing fallback when the FastAGI bridge is down.
import sys
sys.path[:0] = ["{code}", "{code}/lib"]
from ivr.agi_fallback import main
sys.exit(main())
"""


# The realm agents' phones authenticate in; part of the stored digest, so fixed.
SIP_REALM = "hotline"


def sip_digest(username: str, password: str, realm: str = SIP_REALM) -> str:
    """HA1 of RFC 2617 digest authentication, what pjsip's password_digest holds (MD5 is what
    every phone speaks; the hash is not reversible into the password)."""
    return hashlib.md5(f"{username}:{realm}:{password}".encode(), usedforsecurity=False).hexdigest()


def _split(bind: str) -> tuple[str, str]:
    host, _, port = bind.rpartition(":")
    return host, port


def render_config(settings: Settings, instance: Instance) -> list[Path]:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dialplan", ""),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    ami_host, ami_port = _split(settings.ami.bind)
    agi_host, agi_port = _split(settings.agi.bind)
    context = {"s": settings, "inner": instance.inner, "ami_host": ami_host,
               "ami_port": ami_port, "agi_host": agi_host, "agi_port": agi_port,
               "sip_realm": SIP_REALM, "sip_digest": sip_digest,
               # Issue 13: Asterisk drops root for the root's own user, when it has one.
               "run_user": RUN_USER if run_ids(instance.root) else "",
               "permit_regex": permit_regex}
    instance.etc.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in QUIET.items():
        (instance.etc / name).write_text(f"; rendered by hotline: feature unused\n{text}")
    for name in TEMPLATES:
        target = instance.etc / name
        target.write_text(env.get_template(f"{name}.j2").render(context), encoding="utf-8")
        # Secrets (AMI, SIP digests) live in these: the owner's alone, also when the file
        # existed before with wider modes (a umask applies only to new files).
        os.chmod(target, 0o600)
        written.append(target)
    # pjsip.conf includes the bans (sipguard); a start begins with nobody banned.
    bans = instance.etc / "pjsip_bans.conf"
    bans.write_text("; no SIP bans (rendered by hotline)\n", encoding="utf-8")
    os.chmod(bans, 0o600)
    for sub in ("lib", "run", "log", "spool/monitor/hotline", "spool/voicemail", "agi-bin"):
        instance.host(f"{instance.inner}/{sub}").mkdir(parents=True, exist_ok=True)
    return written


def install_fallback(settings: Settings, instance: Instance) -> Path:
    """Copies the decision code and its pure-Python dependencies into the root."""
    # Under the instance folder, so a separately run Asterisk (docker/compose.yaml) sees it too.
    code_inner = f"{instance.inner}/agi-lib"
    code = instance.host(code_inner)
    if code.exists():
        shutil.rmtree(code)
    project = Path(domain.__file__).parent.parent
    for rel in FALLBACK_MODULES:
        (code / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(project / rel, code / rel)
    for name in FALLBACK_LIBRARIES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise RuntimeError(f"the fallback AGI needs the Python package {name!r} installed")
        origin = Path(spec.origin)
        if origin.name == "__init__.py":
            shutil.copytree(origin.parent, code / "lib" / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (code / "lib").mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, code / "lib" / origin.name)
    agi_bin = instance.host(f"{instance.inner}/agi-bin")
    agi_bin.mkdir(parents=True, exist_ok=True)
    launcher = agi_bin / "hotline-route.py"
    launcher.write_text(FALLBACK_LAUNCHER.format(code=code_inner), encoding="utf-8")
    os.chmod(launcher, 0o755)
    policy = policy_from_settings(settings, f"{instance.inner}/prompts")
    (agi_bin / "hotline-route.json").write_text(policy.to_json(), encoding="utf-8")
    return launcher

"""`hotline check-config`: the configuration as the service would run it. Every effective value
is shown (a section left at its defaults prints its defaults, not `{}`), secrets hidden, and
the warnings `hotline up` gives at start are given here too (issue 12)."""

from __future__ import annotations

import dataclasses
from typing import Any

from domain.qa_thresholds import AnalysisConfig
from pbx.layout import Instance
from pbx.provision import installed_version, recorded_version
from settings import Settings

HIDDEN = "***"


def effective_config(settings: Settings) -> dict[str, Any]:
    data = settings.model_dump(mode="json")
    for agent in data["agents"]:
        agent["password"] = HIDDEN
    for supervisor in data["supervisors"]:
        supervisor["password"] = HIDDEN
    data["ami"]["secret"] = HIDDEN
    data["ami"]["originate_secret"] = HIDDEN
    data["api"]["tokens"] = sorted(set(data["api"]["tokens"].values()))  # roles only
    # [analysis] is checked by the pure core's own definition, which holds its defaults.
    data["analysis"] = dataclasses.asdict(
        AnalysisConfig.from_mapping(settings.analysis.model_dump()))
    # Not configuration but what it runs on: the root's Asterisk (issue 12, reproducible PBX).
    root = Instance.of(settings).root
    data["provisioned"] = {"asterisk_root": str(root),
                           "asterisk_version": installed_version(root),
                           "recorded_at_provision": recorded_version(root)}
    return data

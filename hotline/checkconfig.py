"""`hotline check-config`: the configuration as the service would run it. Every effective value
is shown (a section left at its defaults prints its defaults, not `{}`), secrets hidden, and
the warnings `hotline up` gives at start are given here too (issue 12)."""

from __future__ import annotations

import dataclasses
from typing import Any

from domain.qa_thresholds import AnalysisConfig
from settings import Settings

HIDDEN = "***"


def effective_config(settings: Settings) -> dict[str, Any]:
    data = settings.model_dump(mode="json")
    for agent in data["agents"]:
        agent["password"] = HIDDEN
    data["ami"]["secret"] = HIDDEN
    data["api"]["tokens"] = sorted(set(data["api"]["tokens"].values()))  # roles only
    # [analysis] is checked by the pure core's own definition, which holds its defaults.
    data["analysis"] = dataclasses.asdict(
        AnalysisConfig.from_mapping(settings.analysis.model_dump()))
    return data

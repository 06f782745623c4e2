"""Builds Settings from embedded defaults < TOML file < environment. Called at start-up only."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from domain.qa_thresholds import AnalysisConfig
from settings.errors import ConfigError
from settings.schema import Settings

ENV_PREFIX = "HOTLINE_"
ENV_NESTING = "__"


# Tables that are data, not sections: a file that gives one replaces the default whole. Merging
# api.tokens would keep the embedded "change-me" tokens valid beside the operator's own, and
# merging [hours] would reopen a weekday the operator left out ("left out or [] is closed").
# An environment variable names one key, so it changes only that key (HOTLINE_HOURS__SAT),
# except a whole token table (HOTLINE_API__TOKENS), which is one value.
# [features] pause_reasons likewise: the reasons listed are the centre's, all of them (R24).
FILE_REPLACES: set[tuple[str, ...]] = {("api", "tokens"), ("hours",),
                                       ("features", "pause_reasons")}
ENV_REPLACES: set[tuple[str, ...]] = {("api", "tokens"), ("features", "pause_reasons")}


def _merge(base: dict[str, Any], over: Mapping[str, Any], replaces: set[tuple[str, ...]],
           path: tuple[str, ...] = ()) -> dict[str, Any]:
    """Tables merge key by key; any other value (lists included) replaces the default."""
    out = dict(base)
    for key, value in over.items():
        if (isinstance(value, Mapping) and isinstance(out.get(key), dict)
                and (*path, key) not in replaces):
            out[key] = _merge(out[key], value, replaces, (*path, key))
        else:
            out[key] = value
    return out


def _env_value(raw: str) -> Any:
    # Lists, tables and quoted strings are TOML literals; any other value stays a string, which
    # the schema converts where a number or boolean is expected (a phone number stays a string).
    if raw.lstrip()[:1] in ("[", "{", '"', "'"):
        try:
            return tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            return raw
    return raw


def _env_layer(environ: Mapping[str, str]) -> dict[str, Any]:
    """HOTLINE_QUEUE__RING_TIMEOUT=20 -> {"queue": {"ring_timeout": 20}}."""
    layer: dict[str, Any] = {}
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or ENV_NESTING not in name:
            continue
        path = name[len(ENV_PREFIX) :].lower().split(ENV_NESTING)
        node = layer
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = _env_value(raw)
    return layer


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError as e:
        raise ConfigError("(file)", "not found", str(path)) from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError("(syntax)", str(e), str(path)) from e


def _key_of(loc: tuple[int | str, ...]) -> str:
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key or "(top level)"


def default_layer() -> dict[str, Any]:
    text = resources.files("settings").joinpath("defaults.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Layers the sources and validates; a bad value raises ConfigError naming its key."""
    data = default_layer()
    source = "embedded defaults"
    if path is not None:
        data = _merge(data, _read_toml(Path(path)), FILE_REPLACES)
        source = str(path)
    env = _env_layer(os.environ if environ is None else environ)
    if env:
        source += " + environment"
    data = _merge(data, env, ENV_REPLACES)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        loc = tuple(p for p in first["loc"] if not str(p).startswith("function-after"))
        raise ConfigError(_key_of(loc), first["msg"], source) from e
    _check_analysis(settings, source)
    return settings


def _check_analysis(settings: Settings, source: str) -> None:
    # The QA thresholds (R23) are checked by the pure core's own definition, here, at start.
    try:
        AnalysisConfig.from_mapping(settings.analysis.model_dump())
    except ValueError as e:
        raise ConfigError("analysis", str(e).removeprefix("analysis: "), source) from e

"""Hotline configuration: one layered source (embedded defaults < TOML file < environment)."""

from settings.errors import ConfigError
from settings.loader import load_settings
from settings.schema import Settings

__all__ = ["ConfigError", "Settings", "load_settings"]

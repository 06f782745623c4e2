"""Errors raised while building the configuration."""


class ConfigError(Exception):
    """The configuration cannot be used. `key` names the offending setting (dotted path)."""

    def __init__(self, key: str, problem: str, source: str = "") -> None:
        self.key = key
        self.problem = problem
        self.source = source
        where = f" in {source}" if source else ""
        super().__init__(f"configuration error{where}: {key}: {problem}")

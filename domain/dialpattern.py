"""Asterisk extension patterns ("_1[3-9]XXXXXXXXX") as the [outbound] rules write them, read
the way Asterisk reads them, so the rules' intent (domestic numbers only, issue 13) can be
checked and explained without a PBX. Asterisk itself applies the rules in the dialplan."""

from __future__ import annotations

import re

# What the configuration accepts (settings.schema): `_` then two or more of: digits, X (0-9),
# Z (1-9), N (2-9), a bracketed digit class like [3-9]; then an optional `.` (one or more digits
# more). Nothing else, so a pattern cannot carry dialplan syntax into extensions.conf, and no
# one-digit pattern (the dialplan's outbound context takes two digits or more).
DIAL_PATTERN = re.compile(r"_(?:[0-9XZN]|\[[0-9-]+\]){2,}\.?")  # fullmatch: no newline

_CLASSES = {"X": "[0-9]", "Z": "[1-9]", "N": "[2-9]"}
_TOKEN = re.compile(r"\[[0-9-]+\]|[0-9XZN]|\.$")


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The regular expression matching the same whole numbers as an Asterisk digit pattern."""
    if not pattern.startswith("_"):
        return re.compile(re.escape(pattern))
    body, out = pattern[1:], []
    pos = 0
    while pos < len(body):
        token = _TOKEN.match(body, pos)
        if token is None:
            raise ValueError(f"{pattern!r}: unexpected {body[pos]!r}")
        text = token.group()
        out.append("[0-9]+" if text == "." else _CLASSES.get(text, text))
        pos = token.end()
    return re.compile("".join(out))


def allowed(number: str, patterns: list[str]) -> bool:
    return any(pattern_regex(p).fullmatch(number) for p in patterns)

"""Thresholds for the automatic QA flags (R23), part of the pure core: the settings loader
checks the ``[analysis]`` section with it at start, the recording analysis (recordings.analysis)
uses it.

The project's settings loader builds :class:`AnalysisConfig` from the ``[analysis]`` TOML
section, whose keys are exactly the field names below. Every number here is a default the
operator may change (docs/service-rules.md: numbers in rules are defaults, never constants).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

# webrtcvad only accepts these frame lengths; anything else fails deep inside the C code.
VAD_FRAME_MS = (10, 20, 30)


@dataclass(frozen=True, slots=True)
class AnalysisConfig:
    """Configuration of one recording analysis. Frozen so one instance can be shared freely."""

    # R23 "dead air longer than 5 s (冷场5秒以上)": a span with no speech on either channel at
    # least this long is flagged.
    dead_air_min_seconds: float = 5.0

    # R23 "interrupting the customer": both channels speaking at once for at least this long is
    # flagged as overtalk. Shorter overlaps are back-channel ("嗯", "对") or turn-taking jitter.
    overtalk_min_seconds: float = 1.0

    # Whether silence before the first word or after the last word counts as dead air. On by
    # default because R23 scores any silence on the line; switch off for recordings that start
    # before the agent answers or stop long after the goodbye.
    dead_air_at_edges: bool = True

    # webrtcvad mode, 0 (least aggressive: more audio counts as speech) .. 3 (most aggressive:
    # line noise is rejected harder, quiet speech may be missed). 2 suits telephone lines.
    vad_aggressiveness: int = 2

    # Length of one VAD frame in milliseconds; webrtcvad accepts 10, 20 or 30. Segment edges are
    # only as precise as one frame.
    frame_ms: int = 30

    # Frames quieter than this (dBFS RMS) are silence without asking the VAD. Digital silence
    # (a muted leg, hold without music) would otherwise corrupt the VAD's noise estimate so
    # that the line noise after it counts as speech for seconds. Keep it well below the line
    # noise (-60..-50 dBFS).
    vad_floor_dbfs: float = -70.0

    # Pauses inside one channel's speech shorter than this are bridged, so a breath or the gap
    # between words does not split a speech segment.
    merge_gap_seconds: float = 0.5

    # Speech segments (after bridging) shorter than this are dropped, so a click, a line pop or
    # a cough is not speech. webrtcvad's own hangover stretches a 30 ms click to about 120 ms,
    # hence the margin.
    min_speech_seconds: float = 0.2

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> AnalysisConfig:
        """Build from a parsed ``[analysis]`` TOML section (missing keys keep their defaults).

        Raises ``ValueError`` naming the key for an unknown key or a value of the wrong type,
        so a typo in the operator's file is reported as such rather than as a ``TypeError``
        from deep inside the dataclass, or silently ignored.
        """
        known = {f.name: f.type for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(
                f"analysis: unknown key(s) {', '.join(unknown)}; known: {', '.join(known)}"
            )
        for key, value in values.items():
            expected = known[key]
            # bool is an int in Python but never a sensible number of seconds or a VAD mode.
            if expected == "bool":
                ok = isinstance(value, bool)
            elif expected == "int":
                ok = isinstance(value, int) and not isinstance(value, bool)
            else:  # float: TOML writes 5 for 5.0, so ints are fine too
                ok = isinstance(value, int | float) and not isinstance(value, bool)
            if not ok:
                raise ValueError(f"analysis.{key} must be of type {expected}, not {value!r}")
        return cls(**values)

    def __post_init__(self) -> None:
        # Checked here rather than at use so a bad [analysis] section fails when settings load,
        # not at the first call after deployment.
        if self.frame_ms not in VAD_FRAME_MS:
            raise ValueError(
                f"analysis.frame_ms must be one of {VAD_FRAME_MS}, not {self.frame_ms}"
            )
        if self.vad_aggressiveness not in (0, 1, 2, 3):
            raise ValueError(
                f"analysis.vad_aggressiveness must be 0..3, not {self.vad_aggressiveness}"
            )
        for name in (
            "dead_air_min_seconds",
            "overtalk_min_seconds",
            "merge_gap_seconds",
            "min_speech_seconds",
        ):
            value = getattr(self, name)
            if not value >= 0:  # also rejects NaN
                raise ValueError(f"analysis.{name} must be >= 0, not {value}")
        if not self.vad_floor_dbfs <= 0:
            raise ValueError(
                f"analysis.vad_floor_dbfs must be <= 0 dBFS, not {self.vad_floor_dbfs}"
            )

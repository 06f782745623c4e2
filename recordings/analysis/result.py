"""The analysis result and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Speaker = Literal["caller", "agent"]

# Times are rounded to the millisecond: the VAD frame (10-30 ms) is the real resolution, and
# fewer digits keep stored JSON small and diffs readable.
TIME_DECIMALS = 3


def _t(value: float) -> float:
    return round(value, TIME_DECIMALS)


@dataclass(frozen=True, slots=True)
class TimeSpan:
    """A stretch of the recording, seconds from the start of the file."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        return {"start": _t(self.start), "end": _t(self.end)}


@dataclass(frozen=True, slots=True)
class Overtalk(TimeSpan):
    """Both channels speaking at once; ``by`` is who started speaking second (the interrupter)."""

    by: Speaker = "agent"

    def to_dict(self) -> dict[str, Any]:
        return {"start": _t(self.start), "end": _t(self.end), "by": self.by}


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """QA measures of one recording.

    Channel keys are ``"caller"`` and ``"agent"`` for stereo, ``"mixed"`` for mono. Measures
    that need two channels (``overtalk``, ``talk_ratio``, ``first_agent_speech``) are ``None``
    for mono: "not measurable" must not read as "none found". ``talk_ratio`` is also ``None``
    when nobody spoke (0/0).
    """

    duration_seconds: float
    sample_rate: int
    channels: int
    # Speech as the VAD heard it, before excluded spans are removed.
    segments: dict[str, tuple[TimeSpan, ...]]
    # Speech per channel with excluded spans removed; talk_ratio is computed from these.
    speech_seconds: dict[str, float]
    dead_air: tuple[TimeSpan, ...]
    overtalk: tuple[Overtalk, ...] | None
    talk_ratio: float | None
    first_agent_speech: float | None
    excluded: tuple[TimeSpan, ...] = ()
    source: str | None = None

    @property
    def total_speech_seconds(self) -> float:
        return sum(self.speech_seconds.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (only str, float, int, None, lists and dicts)."""
        out: dict[str, Any] = {}
        if self.source is not None:
            out["file"] = self.source
        out.update(
            {
                "duration_seconds": _t(self.duration_seconds),
                "sample_rate": self.sample_rate,
                "channels": self.channels,
                "speech_seconds": {k: _t(v) for k, v in self.speech_seconds.items()},
                "total_speech_seconds": _t(self.total_speech_seconds),
                "talk_ratio": None if self.talk_ratio is None else round(self.talk_ratio, 3),
                "first_agent_speech": (
                    None if self.first_agent_speech is None else _t(self.first_agent_speech)
                ),
                "dead_air": [s.to_dict() for s in self.dead_air],
                "overtalk": (
                    None if self.overtalk is None else [o.to_dict() for o in self.overtalk]
                ),
                "excluded": [s.to_dict() for s in self.excluded],
                "segments": {
                    name: [s.to_dict() for s in spans] for name, spans in self.segments.items()
                },
            }
        )
        return out

"""Entry points that work on files: one that raises, one for the bridge that never does."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from typing import Any

from .analyzer import analyze_samples
from .config import AnalysisConfig
from .errors import RecordingAnalysisError
from .reading import read_recording
from .result import AnalysisResult

log = logging.getLogger(__name__)


def analyze_file(
    path: str | os.PathLike[str],
    config: AnalysisConfig | None = None,
    excluded_spans: Iterable[Sequence[float]] = (),
) -> AnalysisResult:
    """Analyse one recording file.

    Raises :class:`RecordingAnalysisError` (a subclass saying which problem) for a file that is
    missing, not audio, empty, truncated or in an unsupported rate or channel layout.
    """
    samples, rate = read_recording(path)
    return analyze_samples(samples, rate, config, excluded_spans, source=str(path))


def analyze_for_call(
    path: str | os.PathLike[str],
    config: AnalysisConfig | None = None,
    excluded_spans: Iterable[Sequence[float]] = (),
) -> dict[str, Any]:
    """QA analysis for the bridge to call after each call; never raises.

    Returns ``AnalysisResult.to_dict()`` on success. On any failure it logs and returns
    ``{"file": path, "error": message, "error_type": class name}``, so the call record can
    store the failure and QA staff see why a recording has no flags; a bad recording must
    never take the bridge down with it.

    ``excluded_spans`` are ``(start, end)`` seconds from the start of the recording where hold
    music or a prompt was playing (R9), e.g. from the bridge's hold/unhold events.
    """
    name = str(path)
    try:
        return analyze_file(path, config, excluded_spans).to_dict()
    except RecordingAnalysisError as exc:
        log.warning("recording analysis failed: %s", exc)
        return {"file": name, "error": str(exc), "error_type": type(exc).__name__}
    except Exception as exc:  # the bridge must survive any analysis bug
        log.exception("recording analysis crashed on %s", name)
        return {
            "file": name,
            "error": f"{name}: analysis failed unexpectedly ({type(exc).__name__}: {exc})",
            "error_type": type(exc).__name__,
        }

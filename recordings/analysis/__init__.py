"""Automatic QA flags from call recordings (R23): dead air, overtalk, talk ratio.

Layers: :mod:`.vad` and :mod:`.spans` are pure logic on arrays and spans; :mod:`.analyzer`
combines them for samples in memory; :mod:`.reading` and :mod:`.service` deal with files;
:mod:`.cli` is the command line.

Usage::

    from recordings.analysis import AnalysisConfig, analyze_file, analyze_for_call

    result = analyze_file("var/recordings/1700000000.42.wav")   # raises RecordingAnalysisError
    result.to_dict()  # {"duration_seconds", "channels", "speech_seconds", "dead_air",
                      #  "overtalk", "talk_ratio", "first_agent_speech", "segments", ...}

    # After each call (never raises; a failure comes back as {"file", "error", "error_type"}):
    flags = analyze_for_call(path, AnalysisConfig.from_mapping(settings_analysis_section),
                             excluded_spans=[(hold_start, hold_end)])
"""

from .analyzer import analyze_samples
from .config import AnalysisConfig
from .errors import (
    EmptyAudioError,
    NotAudioError,
    RecordingAnalysisError,
    RecordingUnreadableError,
    TruncatedAudioError,
    UnsupportedAudioError,
    UnsupportedChannelCountError,
    UnsupportedSampleFormatError,
    UnsupportedSampleRateError,
)
from .result import AnalysisResult, Overtalk, TimeSpan
from .service import analyze_file, analyze_for_call

__all__ = [
    "AnalysisConfig",
    "AnalysisResult",
    "EmptyAudioError",
    "NotAudioError",
    "Overtalk",
    "RecordingAnalysisError",
    "RecordingUnreadableError",
    "TimeSpan",
    "TruncatedAudioError",
    "UnsupportedAudioError",
    "UnsupportedChannelCountError",
    "UnsupportedSampleFormatError",
    "UnsupportedSampleRateError",
    "analyze_file",
    "analyze_for_call",
    "analyze_samples",
]

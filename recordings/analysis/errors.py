"""Errors raised for recordings that cannot be analysed.

Hierarchy (catch :class:`RecordingAnalysisError` to handle them all)::

    RecordingAnalysisError          base; ``source`` names the file, ``problem`` says what is wrong
    ├── RecordingUnreadableError    missing file, no permission, I/O error
    ├── NotAudioError               the file is not in an audio format libsndfile knows
    ├── EmptyAudioError             zero bytes, or a valid header with no audio frames
    ├── TruncatedAudioError         the header promises more audio than the file holds
    └── UnsupportedAudioError       real audio the analysis cannot handle
        ├── UnsupportedSampleRateError    not 8 kHz or 16 kHz
        ├── UnsupportedChannelCountError  not mono or stereo
        └── UnsupportedSampleFormatError  samples of a type that cannot be made 16-bit PCM

Invalid configuration is a ``ValueError`` from :class:`AnalysisConfig`, not one of these:
it is the operator's mistake, not the recording's.
"""

from __future__ import annotations


class RecordingAnalysisError(Exception):
    """A recording could not be analysed. The message always names the file and the problem."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class RecordingUnreadableError(RecordingAnalysisError):
    """The file could not be opened or read at the operating-system level."""


class NotAudioError(RecordingAnalysisError):
    """The file is not audio (or not a format libsndfile recognises)."""


class EmptyAudioError(RecordingAnalysisError):
    """The file is empty or holds no audio frames."""


class TruncatedAudioError(RecordingAnalysisError):
    """The file ends before the audio its header declares, e.g. a copy cut short."""


class UnsupportedAudioError(RecordingAnalysisError):
    """The file is valid audio but not in a shape the analysis supports."""


class UnsupportedSampleRateError(UnsupportedAudioError):
    """The sample rate is neither 8 kHz (telephone) nor 16 kHz (wideband)."""


class UnsupportedChannelCountError(UnsupportedAudioError):
    """More than two channels: there is no caller/agent mapping for them."""


class UnsupportedSampleFormatError(UnsupportedAudioError):
    """In-memory samples of a dtype that cannot be converted to 16-bit PCM."""

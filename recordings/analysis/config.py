"""Thresholds for the automatic QA flags (R23). Defined in the pure core
(`domain.qa_thresholds`) so the settings loader can refuse a bad ``[analysis]`` section at start
without depending on the analysis code; re-exported here, where the analysis uses it."""

from domain.qa_thresholds import VAD_FRAME_MS, AnalysisConfig

__all__ = ["VAD_FRAME_MS", "AnalysisConfig"]

"""Prompts: speech rendered from the configured texts, or an operator's recording instead."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import soundfile as sf

from pbx.layout import Instance
from pbx.prompts import prompt_texts, render_prompts
from settings import load_settings

needs_tools = pytest.mark.skipif(not (shutil.which("espeak-ng") and shutil.which("sox")),
                                 reason="espeak-ng and sox are installed by scripts/setup")


def test_texts_fill_company_and_agent_number() -> None:
    s = load_settings(environ={})
    texts = prompt_texts(s)
    assert s.company.name in texts["greeting"][0]
    intro, lead_in = texts["agent_intro_1001"]
    assert "幺零零幺" in intro and "张三" not in intro  # R2: only the 工号 is given out
    assert lead_in > 0


@needs_tools
def test_rendered_8khz_mono_and_custom_recordings_win(tmp_path: Path) -> None:
    custom = tmp_path / "custom"
    custom.mkdir()
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(custom / "greeting.wav"),
                    "synth", "1.5", "sine", "500"], check=True)
    s = load_settings(environ={"HOTLINE_STORAGE__ASTERISK_ROOT": str(tmp_path / "root"),
                               "HOTLINE_PROMPTS__CUSTOM_DIR": str(custom)})
    instance = Instance.of(s)
    made = render_prompts(s, instance)
    assert "greeting" in made and "agent_intro_1002" in made
    for name in made:
        info = sf.info(str(instance.prompts / f"{name}.wav"))
        assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "PCM_16")
        assert info.frames > 0
    assert abs(sf.info(str(instance.prompts / "greeting.wav")).duration - 1.5) < 0.05
    assert render_prompts(s, instance) == []  # unchanged texts are not rendered again

"""Music on hold (R9, issue 8): the music cut into passages so the hold message repeats
between them; the musiconhold class and the agents' endpoints that suggest it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import soundfile as sf

from pbx.holdmusic import HOLD_CLASS, render_hold_music
from pbx.layout import Instance
from pbx.prompts import PromptError, prompt_texts
from pbx.render import render_config
from settings import load_settings

needs_sox = pytest.mark.skipif(not shutil.which("sox"), reason="sox is installed by setup")


def _settings(tmp_path: Path, music: Path, passage: int = 4):
    return load_settings(environ={"HOTLINE_STORAGE__ASTERISK_ROOT": str(tmp_path / "root"),
                                  "HOTLINE_HOLD__MUSIC_DIR": str(music),
                                  "HOTLINE_HOLD__PASSAGE_SECONDS": str(passage)})


@needs_sox
def test_music_is_cut_into_passages_of_the_configured_length(tmp_path: Path) -> None:
    music = tmp_path / "music"
    music.mkdir()
    for name, seconds in (("a.wav", 10), ("b.wav", 5)):
        subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(music / name), "synth",
                        str(seconds), "sine", "440"], check=True)
    s = _settings(tmp_path, music)
    instance = Instance.of(s)
    assert render_hold_music(s, instance) is True
    folder = instance.host(f"{instance.inner}/moh/hold")
    pieces = sorted(folder.glob("*.wav"))
    # 10 s: 4 + 4 + 2; 5 s: 4 + 1 — the pieces stay in the music's order.
    lengths = [round(sf.info(str(p)).duration, 1) for p in pieces]
    assert lengths == [4.0, 4.0, 2.0, 4.0, 1.0]
    assert all(sf.info(str(p)).samplerate == 8000 and sf.info(str(p)).channels == 1
               for p in pieces)
    assert render_hold_music(s, instance) is False  # unchanged: not cut again


def test_no_music_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    s = _settings(tmp_path, tmp_path / "empty")
    with pytest.raises(PromptError, match=r"hold\.music_dir"):
        render_hold_music(s, Instance.of(s))


def test_the_message_is_a_prompt_and_the_class_plays_it_between_passages(
        tmp_path: Path) -> None:
    s = _settings(tmp_path, tmp_path)
    assert prompt_texts(s)["hold"][0] == "请您稍等,听不到我的声音,请不要挂机"
    instance = Instance.of(s)
    render_config(s, instance)
    moh = (instance.etc / "musiconhold.conf").read_text(encoding="utf-8")
    section = moh[moh.index(f"[{HOLD_CLASS}]"):]
    assert f"directory = {instance.inner}/moh/hold" in section
    assert f"announcement = {instance.inner}/prompts/hold" in section
    assert "sort = alpha" in section
    pjsip = (instance.etc / "pjsip.conf").read_text(encoding="utf-8")
    assert pjsip.count(f"moh_suggest = {HOLD_CLASS}") == len(s.agents)
    assert "res_pjsip_refer.so" in (instance.etc / "modules.conf").read_text(encoding="utf-8")


@pytest.mark.parametrize("value", ["2", "601", "half"])
def test_a_bad_passage_length_is_refused_naming_the_key(value: str) -> None:
    from settings.errors import ConfigError
    with pytest.raises(ConfigError, match=r"hold\.passage_seconds"):
        load_settings(environ={"HOTLINE_HOLD__PASSAGE_SECONDS": value})

"""Prompts rendered to speech from the configured texts at provision time (espeak-ng's Mandarin
voice, then sox to 8 kHz 16-bit mono), so a company changes its greeting by editing text. A
recorded WAV of the same name in prompts.custom_dir replaces the speech."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from pbx.layout import Instance
from settings import Settings

# The queue bridges the caller a moment after the agent answers; the intro's lead-in silence
# keeps its first syllable from being lost in that gap.
INTRO_LEAD_IN = 0.6


class PromptError(RuntimeError):
    pass


def prompt_texts(settings: Settings) -> dict[str, tuple[str, float]]:
    """name -> (text, lead-in seconds)."""
    p = settings.prompts
    fill = {"company": settings.company.name}
    texts = {
        name: (getattr(p, name).format(agent="", **fill), 0.0)
        for name in ("greeting", "holiday_greeting", "weekend_greeting", "after_hours",
                     "holiday_closing", "forwarding", "voicemail",
                     "outbound_refused",  # issue 13: to an agent whose outbound call is refused
                     # R24: what a phone hears after a feature code
                     "presence_signed_in", "presence_signed_out", "presence_paused",
                     "presence_resumed", "presence_refused",
                     "hold")  # R9, issue 8: between passages of music on hold
    }
    for agent in settings.agents:
        text = p.agent_intro.format(agent=_digits_spoken(agent.number), **fill)
        texts[f"agent_intro_{agent.number}"] = (text, INTRO_LEAD_IN)
    return texts


def _digits_spoken(number: str) -> str:
    # 工号 are read digit by digit ("幺零零幺" style), as call centres announce them.
    names = "零幺二三四五六七八九"
    return "".join(names[int(d)] for d in number)


def _run(args: list[str]) -> None:
    try:
        subprocess.run(args, check=True, capture_output=True, timeout=60)
    except FileNotFoundError as e:
        raise PromptError(f"{args[0]} is not installed (apt-get install espeak-ng sox)") from e
    except subprocess.CalledProcessError as e:
        raise PromptError(f"{args[0]} failed: {e.stderr.decode(errors='replace')[-300:]}") from e


def render_prompts(settings: Settings, instance: Instance) -> list[str]:
    """Writes every prompt; returns the names regenerated (unchanged texts are skipped)."""
    out = instance.prompts
    out.mkdir(parents=True, exist_ok=True)
    custom = Path(settings.prompts.custom_dir)
    made = []
    for name, (text, lead_in) in prompt_texts(settings).items():
        target = out / f"{name}.wav"
        recorded = custom / f"{name}.wav"
        source = recorded if recorded.is_file() else None
        key = hashlib.sha256(
            f"{settings.prompts.voice}|{lead_in}|{text}|"
            f"{recorded.stat().st_mtime if source else ''}".encode()
        ).hexdigest()
        stamp = out / f"{name}.key"
        if target.exists() and stamp.exists() and stamp.read_text() == key:
            continue
        raw = out / f"{name}.tts.wav"
        if source is None:
            if shutil.which("espeak-ng") is None:
                raise PromptError("espeak-ng is not installed (apt-get install espeak-ng sox)")
            _run(["espeak-ng", "-v", settings.prompts.voice, "-s", "210", "-w", str(raw), text])
            source = raw
        _run(["sox", str(source), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
              str(target), "pad", str(lead_in), "0"])
        raw.unlink(missing_ok=True)
        stamp.write_text(key)
        made.append(name)
    return made

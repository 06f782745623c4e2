"""Music on hold for a caller an agent holds (R9, issue 8): the music is cut into passages of
`hold.passage_seconds`, so Asterisk's musiconhold `announcement` (the `hold` prompt, played
when the hold starts and between two files) repeats the R9 message every passage instead of
once every few minutes (the stock pieces are 1-5 minutes long)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from pbx.layout import Instance
from pbx.prompts import PromptError
from settings import Settings

# The class agents' holds suggest (pjsip.conf moh_suggest) and the queue's agent legs use.
HOLD_CLASS = "hotline-hold"
STOCK_MUSIC = "usr/share/asterisk/moh"  # Asterisk's own music, inside the root


def hold_music_inner(instance: Instance) -> str:
    """The passages' folder as Asterisk sees it (musiconhold.conf's directory)."""
    return f"{instance.inner}/moh/hold"


def _sources(settings: Settings, instance: Instance) -> list[Path]:
    folder = Path(settings.hold.music_dir) if settings.hold.music_dir else (
        instance.root / STOCK_MUSIC)
    sources = sorted(folder.glob("*.wav"))
    if not sources:
        raise PromptError(f"hold.music_dir: no WAV music in {folder}")
    return sources


def _sox(args: list[str]) -> None:
    try:
        subprocess.run(["sox", *args], check=True, capture_output=True, timeout=120)
    except FileNotFoundError as e:
        raise PromptError("sox is not installed (apt-get install sox)") from e
    except subprocess.CalledProcessError as e:
        raise PromptError(f"sox failed: {e.stderr.decode(errors='replace')[-300:]}") from e


def render_hold_music(settings: Settings, instance: Instance) -> bool:
    """Writes the passages (8 kHz mono, like the prompts); returns False when they were
    already there for the same music and passage length."""
    sources = _sources(settings, instance)
    target = instance.host(hold_music_inner(instance))
    passage = settings.hold.passage_seconds
    key = hashlib.sha256("|".join(
        [str(passage)] + [f"{p}:{p.stat().st_mtime}:{p.stat().st_size}" for p in sources]
    ).encode()).hexdigest()
    stamp = target / ".key"
    if stamp.exists() and stamp.read_text() == key:
        return False
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for index, source in enumerate(sources):
        # sox numbers the pieces itself: music-000-001.wav, music-000-002.wav ... (alpha order
        # is the music's order; musiconhold.conf plays them sorted).
        _sox([str(source), "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
              str(target / f"music-{index:03d}-.wav"), "trim", "0", str(passage),
              ":", "newfile", ":", "restart"])
    for piece in target.glob("*.wav"):
        if piece.stat().st_size < 16_000:  # under a second: a tail not worth a message
            piece.unlink()
    stamp.write_text(key)
    return True

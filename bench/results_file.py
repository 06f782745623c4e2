"""The day's results file, bench/results/<date>.json: each benchmark writes its own section,
so the API run and the load run of one day land in one file."""

from __future__ import annotations

import json
import platform
from datetime import date
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def results_path(day: date | None = None) -> Path:
    return RESULTS / f"{(day or date.today()).isoformat()}.json"


def save_section(name: str, data: dict[str, Any], day: date | None = None) -> Path:
    path = results_path(day)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    doc.setdefault("machine", {"cpus": _cpus(), "python": platform.python_version(),
                               "note": "2 cores shared with other work while measuring"})
    doc[name] = data
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return path


def _cpus() -> int:
    import os
    return os.cpu_count() or 0

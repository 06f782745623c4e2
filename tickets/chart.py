"""The month's chart (R16) as a PNG: tickets by category, and each clock's outcome. Matplotlib
with the Agg backend (no display), one figure per request, closed afterwards."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the backend
from matplotlib.ticker import MaxNLocator

OUTCOMES = (("met", "#4caf50"), ("running", "#2196f3"), ("breached", "#e53935"))


def month_chart(stats: dict[str, Any]) -> bytes:
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), dpi=100)
    try:
        categories = stats["by_category"]
        left.bar(list(categories), list(categories.values()), color="#607d8b")
        left.set_title(f"Tickets by category, {stats['month']}"
                       + (" (so far)" if stats["partial"] else ""))
        left.set_ylabel("tickets")
        names = list(stats["clocks"])
        bottom = [0] * len(names)
        for outcome, colour in OUTCOMES:
            heights = [stats["clocks"][n][outcome] for n in names]
            right.bar(names, heights, bottom=bottom, color=colour, label=outcome)
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        right.set_title("Service clocks (R15)")
        right.legend()
        for ax in (left, right):
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of tickets
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)

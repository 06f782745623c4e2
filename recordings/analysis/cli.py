"""``hotline recordings analyze FILE...``: QA flags of recordings as JSON.

Mounted by the main CLI with ``app.add_typer(recordings.analysis.cli.app, name="recordings")``.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from .config import AnalysisConfig
from .errors import RecordingAnalysisError
from .service import analyze_file

app = typer.Typer(
    help="Call recordings: automatic QA flags (R23 dead air, overtalk, talk ratio).",
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help, without "<list[Path]>" type placeholders
)

# Distinct from typer's own 2 for usage errors only in meaning; 2 is what the QA tooling
# checks for "some file could not be analysed".
EXIT_BAD_FILE = 2


@app.callback()
def _group() -> None:
    # A callback keeps "analyze" a named subcommand even while it is the only one; without it
    # typer would collapse the group and "hotline recordings analyze" would not parse.
    pass


@app.command()
def analyze(
    # hidden: typer lists an argument with its Python type ("<list[Path]>"); the docstring
    # says what FILE is instead.
    files: Annotated[list[Path] | None, typer.Argument(metavar="FILE", hidden=True)] = None,
    call: Annotated[int | None, typer.Option(
        "--call", metavar="ID",
        help="Analyse call ID's recording (the id of GET /calls/ID) as the service did after "
        "the call: the same thresholds ([analysis] of --config) and the same exclusions "
        "(greeting, queue, agent number), so the figures match the record's qa_flags.")
    ] = None,
    config_file: Annotated[Path | None, typer.Option(
        "--config", "-c", metavar="FILE",
        help="With --call: the service's TOML configuration (database, recordings folder, "
        "[analysis]). Default: the embedded defaults.")] = None,
    dead_air_min_seconds: Annotated[
        float | None, typer.Option(metavar="SECONDS",
                                   help="R23 dead-air threshold (default 5 s).")
    ] = None,
    overtalk_min_seconds: Annotated[
        float | None, typer.Option(metavar="SECONDS",
                                   help="Shortest overlap flagged as overtalk (default 1 s).")
    ] = None,
    vad_aggressiveness: Annotated[
        int | None, typer.Option(min=0, max=3, metavar="0..3",
                                 help="webrtcvad mode 0..3 (default 2).")
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            metavar="START:END",
            help="START:END seconds of hold music or prompts, not counted as dead air or "
            "overtalk; repeatable, applies to every file."
        ),
    ] = None,
) -> None:
    """Print the QA flags of each recording FILE (8 or 16 kHz WAV; a call's stereo recording
    has the caller left and what the caller heard right) as JSON: an object for one file, a
    list for several. Or, with --call ID, of one stored call's recording as the service
    analysed it.

    A file that cannot be analysed is reported on stderr and the command exits 2 after
    analysing the others.
    """
    overrides: dict[str, Any] = {
        "dead_air_min_seconds": dead_air_min_seconds,
        "overtalk_min_seconds": overtalk_min_seconds,
        "vad_aggressiveness": vad_aggressiveness,
    }
    if call is not None:
        _analyze_call(call, config_file, overrides, exclude or [])
        return
    if not files:
        raise typer.BadParameter("give recording FILEs, or --call ID")
    try:
        config = dataclasses.replace(
            AnalysisConfig(), **{k: v for k, v in overrides.items() if v is not None}
        )
        excluded = [_parse_span(text) for text in exclude or []]
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc

    results: list[dict[str, Any]] = []
    failed = 0
    for path in files:
        try:
            results.append(analyze_file(path, config, excluded).to_dict())
        except RecordingAnalysisError as exc:
            failed += 1
            typer.echo(f"error: {exc}", err=True)
    if len(files) == 1:
        if results:
            typer.echo(json.dumps(results[0], ensure_ascii=False, indent=2))
    else:
        typer.echo(json.dumps(results, ensure_ascii=False, indent=2))
    if failed:
        raise typer.Exit(EXIT_BAD_FILE)


def _analyze_call(call_id: int, config_file: Path | None, overrides: dict[str, Any],
                  exclude: list[str]) -> None:
    from recordings.call_analysis import CallAnalysisError, analyze_call
    from settings import ConfigError, load_settings

    try:
        settings = load_settings(config_file)
        config = dataclasses.replace(
            AnalysisConfig.from_mapping(settings.analysis.model_dump()),
            **{k: v for k, v in overrides.items() if v is not None})
        result = analyze_call(settings, call_id, config, [_parse_span(t) for t in exclude])
    except (ConfigError, CallAnalysisError, RecordingAnalysisError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_FILE) from exc
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))


def _parse_span(text: str) -> tuple[float, float]:
    start, sep, end = text.partition(":")
    if not sep:
        raise ValueError(f"--exclude expects START:END in seconds, got {text!r}")
    try:
        return float(start), float(end)
    except ValueError:
        raise ValueError(f"--exclude expects START:END in seconds, got {text!r}") from None

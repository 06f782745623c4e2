"""The ``recordings analyze`` command, run on the typer app directly."""

from __future__ import annotations

import json
from pathlib import Path

from recording_synth import build_call, write_wav
from typer.testing import CliRunner

from recordings.analysis.cli import app

runner = CliRunner()


def _good(tmp_path: Path, name: str = "call.wav") -> Path:
    caller = [(0.5, 4.0), (13.0, 16.0)]
    agent = [(4.3, 7.0)]
    return write_wav(tmp_path / name, build_call(17.0, caller, agent, seed=31))


def test_one_file_prints_one_object(tmp_path: Path) -> None:
    path = _good(tmp_path)
    result = runner.invoke(app, ["analyze", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["file"] == str(path)
    assert len(data["dead_air"]) == 1


def test_several_files_print_a_list_and_a_bad_one_exits_2(tmp_path: Path) -> None:
    good_a = _good(tmp_path, "a.wav")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all" * 10)
    good_b = _good(tmp_path, "b.wav")
    result = runner.invoke(app, ["analyze", str(good_a), str(bad), str(good_b)])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert [d["file"] for d in data] == [str(good_a), str(good_b)]
    assert str(bad) in result.stderr and "not a readable audio file" in result.stderr


def test_options_override_the_defaults(tmp_path: Path) -> None:
    path = _good(tmp_path)
    result = runner.invoke(
        app, ["analyze", "--dead-air-min-seconds", "7", "--exclude", "8:9", str(path)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["dead_air"] == []
    assert data["excluded"] == [{"start": 8.0, "end": 9.0}]


def test_bad_exclude_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["analyze", "--exclude", "soon", str(_good(tmp_path))])
    assert result.exit_code == 2
    assert "START:END" in result.output


def test_mounted_as_hotline_recordings_analyze(tmp_path: Path) -> None:
    # How the main CLI will mount it; "analyze" must stay a subcommand, not collapse.
    import typer

    root = typer.Typer()

    @root.command()
    def version() -> None:  # a second command, as the real root CLI has several
        pass

    root.add_typer(app, name="recordings")
    result = runner.invoke(root, ["recordings", "analyze", str(_good(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "dead_air" in json.loads(result.stdout)

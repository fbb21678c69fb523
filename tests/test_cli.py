"""The command line: its demo reset never destroys a user's own landing files, and it exits
without walking the run's heap again."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from importlib import metadata
from pathlib import Path

import pytest

from orchestration.cli import DEMO_MARKER, reset_demo
from orchestration.settings import PROJECT_ROOT, Settings


def _settings(tmp_path: Path) -> Settings:
    base = Settings.from_env()
    data = tmp_path / "data"
    return replace(
        base,
        data_dir=data,
        landing_dir=data / "landing",
        raw_dir=data / "raw",
        quarantine_dir=data / "quarantine",
        warehouse=data / "warehouse.duckdb",
    )


def test_reset_refuses_a_landing_folder_with_the_users_files(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    own = settings.landing_dir / "calls" / "export.csv"
    own.parent.mkdir(parents=True)
    own.write_text("call_id\n", encoding="utf-8")
    with pytest.raises(ValueError, match="did not write"):
        reset_demo(settings)
    assert own.exists()


def test_reset_clears_demo_data_and_the_warehouse(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    for folder in (settings.landing_dir / "calls", settings.raw_dir / "calls"):
        folder.mkdir(parents=True)
        (folder / "a.csv").write_text("x\n", encoding="utf-8")
    (settings.landing_dir / DEMO_MARKER).write_text("demo\n", encoding="utf-8")
    settings.warehouse.write_bytes(b"db")
    reset_demo(settings)
    assert not settings.landing_dir.exists()
    assert not settings.raw_dir.exists()
    assert not settings.warehouse.exists()


def test_reset_accepts_an_empty_or_missing_landing_folder(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    reset_demo(settings)
    settings.landing_dir.mkdir(parents=True)
    reset_demo(settings)
    assert not settings.landing_dir.exists()


def test_the_command_exits_with_mains_code_and_a_frozen_heap() -> None:
    """`callfunnel` and `python -m orchestration.cli` freeze the heap before exiting, so the
    interpreter's last collections skip it; exit handlers still run and main's code is kept."""
    script = (
        "import atexit, gc\n"
        "from orchestration import cli\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0, flush=True))\n"
        "cli.main = lambda: 3\n"
        "cli.run()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT_ROOT
    )
    assert result.returncode == 3, result.stderr
    assert result.stdout.strip() == "frozen True"
    scripts = metadata.entry_points(group="console_scripts")
    assert scripts["callfunnel"].value == "orchestration.cli:run"


def test_the_command_reports_problems_on_stderr_and_results_on_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing landing folder is a problem named on stderr (exit code 2, nothing on stdout);
    a result (the prepared manifest's path) goes to stdout alone."""
    from orchestration import cli

    missing = tmp_path / "nowhere"
    monkeypatch.setenv("CALLFUNNEL_LANDING_DIR", str(missing))
    assert cli.main(["materialize"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"callfunnel: the landing folder {missing} does not exist")

    monkeypatch.setattr("orchestration.dbt_setup.prepare_manifest", lambda settings: "M.json")
    assert cli.main(["prepare"]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("dbt manifest: M.json\n", "")

"""The report the real graph wrote from simulator data: right week, marts' numbers, real browser."""

from __future__ import annotations

import base64
import re
from datetime import date
from pathlib import Path

import duckdb

from orchestration.reports.i18n import Locale
from orchestration.settings import PROJECT_ROOT
from tests.conftest import PipelineRun
from tests.test_report_browser import console_lines, ink, run_chromium

# CALLFUNNEL_AS_OF in the tests is Friday 2026-11-27: the last complete week is 16–22 November.
REPORT_MONDAY = date(2026, 11, 16)
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


def _report(pipeline: PipelineRun) -> Path:
    assert pipeline.summary["report"], pipeline.output
    path = Path(pipeline.summary["report"])
    assert path.name == "2026-W47.html"
    assert f"report:     {path}" in pipeline.output
    return path


def test_the_run_writes_this_weeks_report_with_the_published_figures(
    pipeline: PipelineRun,
) -> None:
    html = _report(pipeline).read_text(encoding="utf-8")
    published = Path(pipeline.summary["published"])
    with duckdb.connect(published.as_posix(), read_only=True) as con:
        row = con.execute(
            "select calls, quality_calls, missed_calls, avg_talk_seconds, application_calls, "
            "application_rate, deals_won, revenue_won_rub, spend_rub "
            "from marts.weekly_summary where week_start = ?",
            [REPORT_MONDAY],
        ).fetchone()
        tables = {r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert row is not None and row[0] > 0
    assert "data_quality_results" in tables
    ru = Locale("ru")
    for text in (
        ru.integer(row[0]),
        ru.integer(row[1]),
        ru.integer(row[2]),
        ru.talk_time(row[3]),
        ru.integer(row[4]),
        ru.rate(row[5]),
        ru.integer(row[6]),
        ru.rub(row[7]),
        ru.rub(row[8]),
    ):
        assert text in html, text
    assert 'id="not-published"' not in html
    # The planted data-quality gaps reach the report: the manager who skips scores is named.
    assert "m04" in html


def test_the_simulated_report_renders_in_headless_chromium(
    pipeline: PipelineRun, tmp_path: Path
) -> None:
    page = _report(pipeline)
    dom = run_chromium(page, tmp_path / "profile-dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr
    assert console_lines(dom.stderr) == []
    for chart in ("trend", "channels"):
        match = re.search(
            rf'<figure id="chart-{chart}"><img [^>]*src="data:image/png;base64,([^"]+)"', dom.stdout
        )
        assert match, f"chart {chart} missing"
        size, share = ink(base64.b64decode(match[1]))
        assert size[0] > 300 and size[1] > 150
        assert share > 0.02, f"chart {chart} is nearly blank"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report_simulated.png"
    shot.unlink(missing_ok=True)
    result = run_chromium(
        page, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1280,4000"
    )
    assert result.returncode == 0 and shot.exists(), result.stderr
    assert console_lines(result.stderr) == []

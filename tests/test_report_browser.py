"""The report in headless Chromium: loads without console errors, charts drawn, screenshot kept."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from orchestration.reports.build import build_report
from orchestration.reports.weeks import ReportWeek
from orchestration.settings import PROJECT_ROOT
from tests.report_fixtures import REPORT_MONDAY, build_published, planted
from tests.test_report import fresh

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
CONSOLE = re.compile(r":CONSOLE[:(]|Uncaught", re.IGNORECASE)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail(
            "Debian's chromium is not installed: run `make test`, which installs it "
            "(or `apt-get install -y chromium`)",
            pytrace=False,
        )
    return found


def run_chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    profile.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if CONSOLE.search(line)]


def ink(png: bytes) -> tuple[tuple[int, int], float]:
    """Image size and the share of pixels that are not (near) white."""
    image = Image.open(io.BytesIO(png)).convert("L")
    pixels = image.get_flattened_data() if hasattr(image, "get_flattened_data") else image.getdata()
    values = list(pixels)
    return image.size, sum(1 for v in values if v < 235) / len(values)


def test_console_error_detection_works(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text("<html><body><script>console.error('boom'); nope();</script></body></html>")
    result = run_chromium(page, tmp_path / "profile", "--dump-dom")
    assert len(console_lines(result.stderr)) == 2, result.stderr


def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    path = build_published(tmp_path / "published" / "callfunnel_bi.duckdb", planted())
    built = build_report(fresh(path), ReportWeek(REPORT_MONDAY), tmp_path / "reports", lang="ru")
    page = built.files.html

    dom = run_chromium(page, tmp_path / "profile-dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr
    assert console_lines(dom.stderr) == [], console_lines(dom.stderr)
    for chart in ("trend", "channels"):
        match = re.search(
            rf'<figure id="chart-{chart}"><img [^>]*src="data:image/png;base64,([^"]+)"', dom.stdout
        )
        assert match, f"chart {chart} missing from the rendered page"
        size, share = ink(base64.b64decode(match[1]))
        assert size[0] > 300 and size[1] > 150, size
        assert share > 0.02, f"chart {chart} is nearly blank ({share:.1%} ink)"

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    result = run_chromium(
        page, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1280,4000"
    )
    assert result.returncode == 0 and shot.exists(), result.stderr
    assert console_lines(result.stderr) == []
    size, share = ink(shot.read_bytes())
    assert size == (1280, 4000) and share > 0.02

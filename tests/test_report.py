"""The Friday report: week choice, figures equal to the marts, rules, languages, e-mail, asset."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterInstance, asset, materialize

from orchestration.reports.build import build_report
from orchestration.reports.config import ReportThresholds, report_language
from orchestration.reports.delivery import SmtpSettings, build_message, send_report
from orchestration.reports.i18n import NBSP, Locale
from orchestration.reports.publication import judge_publication
from orchestration.reports.rules import (
    BUDGET_MOVE,
    MANAGER_REVIEW,
    OBJECTION_SCRIPT,
    RATE_DROP,
    SMALL_WEEK,
)
from orchestration.reports.weeks import ReportWeek, parse_week, select_week
from orchestration.settings import Settings, parse_as_of
from tests.report_fixtures import AS_OF, REPORT_MONDAY, build_published, clean, planted, small

WEEK = ReportWeek(REPORT_MONDAY)


def fresh(path: Path):  # noqa: ANN201
    return judge_publication(
        path, published_run_id=None, published_at=None, last_attempt_run_id=None
    )


@pytest.fixture
def planted_file(tmp_path: Path) -> Path:
    return build_published(tmp_path / "published" / "callfunnel_bi.duckdb", planted())


def render(tmp_path: Path, scenario, lang: str = "ru", **kwargs):  # noqa: ANN001, ANN201
    path = build_published(tmp_path / f"pub-{lang}" / "callfunnel_bi.duckdb", scenario)
    return build_report(fresh(path), WEEK, tmp_path / f"out-{lang}", lang=lang, **kwargs)


# --- week selection -------------------------------------------------------------------------


def test_default_week_is_last_complete_week_before_as_of() -> None:
    settings = Settings.from_env()
    settings = Settings(**{**settings.__dict__, "as_of": parse_as_of(AS_OF, settings.tz)})
    assert select_week(settings).name == "2026-W47"
    assert select_week(settings).monday == date(2026, 11, 16)
    assert select_week(settings, "2026-W45").monday == date(2026, 11, 2)
    assert select_week(settings, "2026-11-12").name == "2026-W46"
    with pytest.raises(ValueError, match="not complete"):
        select_week(settings, "2026-W48")
    assert parse_week("2026-W01").monday == date(2025, 12, 29)


# --- formatting -----------------------------------------------------------------------------


def test_locale_formats_numbers_money_time_and_changes() -> None:
    ru, en = Locale("ru"), Locale("en")
    assert ru.integer(1234567) == f"1{NBSP}234{NBSP}567"
    assert en.integer(1234567) == "1,234,567"
    assert ru.rub(2120000.4) == f"2{NBSP}120{NBSP}000{NBSP}руб."
    assert en.rub(2120000) == f"RUB{NBSP}2,120,000"
    assert ru.rate(0.1234) == f"12,3{NBSP}%" and en.rate(0.1234) == "12.3%"
    assert ru.pp(-10.0) == f"−10,0{NBSP}п.п." and en.pp(2.5) == f"+2.5{NBSP}pp"
    assert en.pct_change(110, 100) == "+10.0%" and en.pct_change(5, 0) == "n/a"
    assert ru.talk_time(125) == "2:05" and en.talk_time(59.6) == "1:00"
    assert en.rate(None) == "n/a" and ru.rub(None) == "нет данных"


def test_language_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALLFUNNEL_REPORT_LANGUAGE", raising=False)
    assert report_language() == "ru"
    monkeypatch.setenv("CALLFUNNEL_REPORT_LANGUAGE", "EN")
    assert report_language() == "en"
    monkeypatch.setenv("CALLFUNNEL_REPORT_LANGUAGE", "de")
    with pytest.raises(ValueError, match="ru, en"):
        report_language()


# --- numbers equal the marts -----------------------------------------------------------------


def test_report_figures_equal_the_marts(tmp_path: Path, planted_file: Path) -> None:
    built = build_report(fresh(planted_file), WEEK, tmp_path / "out", lang="en")
    with duckdb.connect(planted_file.as_posix(), read_only=True) as con:
        row = con.execute(
            "select calls, quality_calls, missed_calls, avg_talk_seconds, application_calls, "
            "application_rate, deals_won, revenue_won_rub, spend_rub, cac_rub, "
            "application_rate_change_pp from marts.weekly_summary where week_start = ?",
            [REPORT_MONDAY],
        ).fetchone()
        channels = con.execute(
            "select channel, calls, application_rate, cost_per_quality_call_rub "
            "from marts.channel_weekly where week_start = ? order by channel",
            [REPORT_MONDAY],
        ).fetchall()
    s = built.data.summary
    assert (
        s.calls,
        s.quality_calls,
        s.missed_calls,
        s.avg_talk_seconds,
        s.application_calls,
        s.application_rate,
        s.deals_won,
        s.revenue_won_rub,
        s.spend_rub,
        s.cac_rub,
        s.application_rate_change_pp,
    ) == pytest.approx(row)
    assert (
        sorted(
            (c.channel, c.calls, c.application_rate, c.cost_per_quality_call_rub)
            for c in built.data.channels
        )
        == channels
    )
    html = built.files.html.read_text(encoding="utf-8")
    en = Locale("en")
    for text in (
        en.integer(row[0]),
        en.integer(row[1]),
        en.integer(row[2]),
        en.talk_time(row[3]),
        en.rate(row[5]),
        en.rub(row[7]),
        en.rub(row[8]),
        en.rub(row[9]),
        en.pp(row[10]),
    ):
        assert text in html, text
    # Display names come from the seeds, never the raw codes.
    assert "Search ads" in html and "Price too high" in html


# --- suggestion rules ------------------------------------------------------------------------


@pytest.mark.parametrize("rule", [BUDGET_MOVE, RATE_DROP, OBJECTION_SCRIPT, MANAGER_REVIEW])
def test_each_rule_fires_on_its_planted_case_and_not_on_a_clean_week(
    tmp_path: Path, rule: str
) -> None:
    fired = render(tmp_path / "planted", planted(), "en")
    quiet = render(tmp_path / "clean", clean(), "en")
    assert len(fired.outcome.by_rule(rule)) == 1
    assert quiet.outcome.by_rule(rule) == []
    assert f'data-rule="{rule}"' in fired.files.html.read_text(encoding="utf-8")
    assert f'data-rule="{rule}"' not in quiet.files.html.read_text(encoding="utf-8")


def test_rules_name_the_planted_subjects_and_their_figures(tmp_path: Path) -> None:
    outcome = render(tmp_path, planted(), "en").outcome
    move = outcome.by_rule(BUDGET_MOVE)[0].facts
    assert (move["from_channel"], move["to_channel"]) == ("social", "outdoor")
    assert move["from_cost"] == 3000 and move["median_cost"] == 1000 and move["ratio"] == 3
    drop = outcome.by_rule(RATE_DROP)[0].facts
    assert drop["channel"] == "organic" and drop["change_pp"] == pytest.approx(-10)
    script = outcome.by_rule(OBJECTION_SCRIPT)[0].facts
    assert (script["reason"], script["leads"], script["lost_with_reason"]) == ("price", 40, 80)
    review = outcome.by_rule(MANAGER_REVIEW)[0].facts
    assert review["manager"] == "m_boris" and review["vs_channel_mix"] == pytest.approx(0.25)
    # Too small to tell: the e-mail channel's drop on 10 calls, and m_vera's one expected deal.
    caveats = {(c.rule, c.facts.get("channel") or c.facts.get("manager")) for c in outcome.caveats}
    assert (RATE_DROP, "email") in caveats and (MANAGER_REVIEW, "m_vera") in caveats


def test_thresholds_are_configurable(tmp_path: Path) -> None:
    strict = ReportThresholds(cost_ratio=4.0, rate_drop_pp=15.0, manager_mix_ratio=0.2)
    outcome = render(tmp_path, planted(), "en", thresholds=strict).outcome
    assert outcome.by_rule(BUDGET_MOVE) == [] and outcome.by_rule(RATE_DROP) == []
    assert outcome.by_rule(MANAGER_REVIEW) == []
    env = ReportThresholds.from_env({"CALLFUNNEL_REPORT_MIN_WEEK_CALLS": "5000"})
    assert env.min_week_calls == 5000
    assert render(tmp_path / "env", planted(), "en", thresholds=env).outcome.silenced
    with pytest.raises(ValueError, match="unknown report thresholds"):
        ReportThresholds().with_overrides({"nope": 1})


def test_a_week_with_too_few_calls_gives_figures_but_no_advice(tmp_path: Path) -> None:
    built = render(tmp_path, small(), "en")
    assert built.outcome.silenced and built.outcome.suggestions == []
    assert [c.rule for c in built.outcome.caveats] == [SMALL_WEEK]
    html = built.files.html.read_text(encoding="utf-8")
    assert 'id="small-sample"' in html and "Too little data: 61 calls" in html
    assert "data-rule=" not in html
    assert "Inbound calls" in html  # the figures are still there, for reference
    ru = render(tmp_path, small(), "ru").files.html.read_text(encoding="utf-8")
    assert "Мало данных" in ru


# --- languages and files ---------------------------------------------------------------------


def test_russian_by_default_and_english_on_request(tmp_path: Path) -> None:
    ru = render(tmp_path, planted(), "ru")
    en = render(tmp_path, planted(), "en")
    ru_html, en_html = (b.files.html.read_text(encoding="utf-8") for b in (ru, en))
    assert '<html lang="ru">' in ru_html and '<html lang="en">' in en_html
    assert "Перенести часть бюджета из «Соцсети» в «Наружная реклама»" in ru_html
    assert "Move part of the budget from “Social media” to “Outdoor ads”" in en_html
    assert f"1{NBSP}220" in ru_html and "1,220" in en_html
    assert "Доля звонков с заявкой" in ru_html and "Application rate" not in ru_html


def test_files_are_named_by_iso_week_and_self_contained(tmp_path: Path) -> None:
    built = render(tmp_path, planted(), "ru")
    folder = built.files.html.parent
    assert sorted(p.name for p in folder.iterdir()) == [
        "2026-W47.html",
        "2026-W47.md",
        "2026-W47_channels.png",
        "2026-W47_money.png",
        "2026-W47_trend.png",
    ]
    html = built.files.html.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert html.count("data:image/png;base64,") == 3
    md = built.files.markdown.read_text(encoding="utf-8")
    assert "![" in md and "(2026-W47_trend.png)" in md and "base64" not in md
    for png in built.files.charts:
        assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 5000


# --- did the run publish? --------------------------------------------------------------------


def test_judging_the_publication(tmp_path: Path, planted_file: Path) -> None:
    assert (
        judge_publication(
            tmp_path / "nope.duckdb",
            published_run_id="a",
            published_at=None,
            last_attempt_run_id="b",
        ).exists
        is False
    )
    same = judge_publication(
        planted_file, published_run_id="r1", published_at=None, last_attempt_run_id="r1"
    )
    assert same.fresh and same.published_at is not None
    later_failed = judge_publication(
        planted_file, published_run_id="r1", published_at=None, last_attempt_run_id="r2"
    )
    assert later_failed.stale and later_failed.failed_run_id == "r2"


def test_missing_or_stale_publication_is_said_loudly(tmp_path: Path, planted_file: Path) -> None:
    missing = judge_publication(
        tmp_path / "none" / "callfunnel_bi.duckdb",
        published_run_id=None,
        published_at=None,
        last_attempt_run_id="r2",
    )
    built = build_report(missing, WEEK, tmp_path / "missing", lang="en")
    html = built.files.html.read_text(encoding="utf-8")
    assert 'id="not-published"' in html and "was not found" in html
    assert 'id="raw"' not in html
    stale = judge_publication(
        planted_file, published_run_id="r1", published_at=None, last_attempt_run_id="r2"
    )
    html = build_report(stale, WEEK, tmp_path / "stale", lang="en").files.html.read_text("utf-8")
    assert "WARNING: this run did not publish the marts" in html and "NOT new" in html
    # A week the publication does not hold is never replaced by an older one.
    older = build_report(
        fresh(planted_file), ReportWeek(date(2026, 11, 30)), tmp_path / "w", lang="en"
    ).files.html.read_text("utf-8")
    assert "have no week 2026-W49" in older and 'id="raw"' not in older


# --- e-mail ----------------------------------------------------------------------------------


class TinySmtpServer:
    """Just enough SMTP (EHLO/HELO, MAIL, RCPT, DATA, QUIT) to receive one message."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn, conn.makefile("rb") as rfile:

            def say(line: str) -> None:
                conn.sendall(line.encode() + b"\r\n")

            say("220 tiny ESMTP")
            sender, rcpts = "", []
            while raw := rfile.readline():
                line = raw.decode().rstrip("\r\n")
                verb = line.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    say("250-tiny")
                    say("250 8BITMIME")
                elif verb == "HELO":
                    say("250 tiny")
                elif verb == "MAIL":
                    sender = line.split(":", 1)[1].strip().strip("<>").split(">")[0]
                    say("250 OK")
                elif verb == "RCPT":
                    rcpts.append(line.split(":", 1)[1].strip().strip("<>"))
                    say("250 OK")
                elif verb == "DATA":
                    say("354 go on")
                    body = b""
                    while (chunk := rfile.readline()) not in (b".\r\n", b""):
                        body += chunk[1:] if chunk.startswith(b"..") else chunk
                    self.messages.append((sender, rcpts, body))
                    say("250 queued")
                elif verb == "QUIT":
                    say("221 bye")
                    break
                else:
                    say("250 OK")

    def __enter__(self) -> TinySmtpServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def smtp_server() -> Iterator[TinySmtpServer]:
    with TinySmtpServer() as server:
        yield server


def test_smtp_settings_from_environment() -> None:
    assert SmtpSettings.from_env({}) is None
    assert SmtpSettings.from_env({"CALLFUNNEL_SMTP_HOST": "mx"}) is None
    smtp = SmtpSettings.from_env(
        {
            "CALLFUNNEL_SMTP_HOST": "mx",
            "CALLFUNNEL_SMTP_PORT": "2525",
            "CALLFUNNEL_REPORT_TO": "a@x.ru, b@x.ru",
            "CALLFUNNEL_SMTP_USER": "bot",
            "CALLFUNNEL_SMTP_PASSWORD": "p",
        }
    )
    assert smtp and smtp.port == 2525 and smtp.recipients == ("a@x.ru", "b@x.ru")
    assert smtp.sender == "bot" and smtp.starttls


def test_report_is_emailed_to_a_local_smtp_server(
    tmp_path: Path, smtp_server: TinySmtpServer
) -> None:
    built = render(tmp_path, planted(), "ru")
    smtp = SmtpSettings.from_env(
        {
            "CALLFUNNEL_SMTP_HOST": "127.0.0.1",
            "CALLFUNNEL_SMTP_PORT": str(smtp_server.port),
            "CALLFUNNEL_SMTP_FROM": "report@callfunnel.local",
            "CALLFUNNEL_REPORT_TO": "head@sales.ru",
        }
    )
    assert smtp is not None and not smtp.starttls
    message = build_message(
        smtp, "Отчёт 2026-W47", built.files.markdown, built.files.html, built.files.charts
    )
    send_report(smtp, message, timeout=10)
    smtp_server.thread.join(timeout=5)
    [(sender, rcpts, body)] = smtp_server.messages
    assert sender == "report@callfunnel.local" and rcpts == ["head@sales.ru"]
    received = email.message_from_bytes(body, policy=email.policy.default)
    assert received["Subject"] == "Отчёт 2026-W47"
    assert "Перенести часть бюджета" in received.get_body(("plain",)).get_content()
    assert "data:image/png;base64," in received.get_body(("html",)).get_content()
    names = sorted(part.get_filename() for part in received.iter_attachments())
    assert names == ["2026-W47_channels.png", "2026-W47_money.png", "2026-W47_trend.png"]


# --- the Dagster asset -----------------------------------------------------------------------


def test_asset_writes_the_report_and_flags_a_run_that_did_not_publish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.reports.assets import weekly_report
    from orchestration.resources import CallfunnelSettings

    data = tmp_path / "data"
    monkeypatch.setenv("CALLFUNNEL_DATA_DIR", data.as_posix())
    monkeypatch.setenv("CALLFUNNEL_AS_OF", AS_OF)
    monkeypatch.setenv("CALLFUNNEL_PUBLISH_DIR", (data / "published").as_posix())
    monkeypatch.delenv("CALLFUNNEL_REPORTS_DIR", raising=False)
    monkeypatch.delenv("CALLFUNNEL_SMTP_HOST", raising=False)
    monkeypatch.setenv("CALLFUNNEL_REPORT_LANGUAGE", "en")
    resources = {"settings": CallfunnelSettings.from_settings(Settings.from_env())}
    fail = {"now": False}

    @asset(name="published_marts")
    def fake_publish() -> None:
        if fail["now"]:
            raise RuntimeError("a blocking test failed")
        build_published(data / "published" / "callfunnel_bi.duckdb", planted())

    instance = DagsterInstance.ephemeral()
    result = materialize([fake_publish, weekly_report], instance=instance, resources=resources)
    assert result.success
    meta = result.asset_materializations_for_node("weekly_report")[0].metadata
    assert meta["week"].value == "2026-W47" and meta["published"].value is True
    report = data / "reports" / "2026-W47.html"
    assert 'id="not-published"' not in report.read_text(encoding="utf-8")
    assert meta["suggestions"].value == 4

    # The next run stops before publishing; the report, run on its own, must say so.
    fail["now"] = True
    failed = materialize(
        [fake_publish], instance=instance, resources=resources, raise_on_error=False
    )
    assert not failed.success
    again = materialize(
        [weekly_report], instance=instance, resources=resources, selection=["weekly_report"]
    )
    html = report.read_text(encoding="utf-8")
    assert (
        again.asset_materializations_for_node("weekly_report")[0].metadata["published"].value
        is False
    )
    assert "this run did not publish" in html and f"Run {failed.run_id} did not publish" in html

    # A missed week made up through config, in Russian.
    made_up = materialize(
        [weekly_report],
        instance=instance,
        resources=resources,
        selection=["weekly_report"],
        run_config={"ops": {"weekly_report": {"config": {"week": "2026-W46", "language": "ru"}}}},
    )
    assert made_up.success and (data / "reports" / "2026-W46.html").exists()


def test_check_samples_read_as_ids_not_json(tmp_path: Path) -> None:
    """The results file stores a check's sample as a JSON list; the report shows the first ids
    and marks that there are more, and a check that names no ids shows a dash."""
    from orchestration.reports.data import sample_text

    assert sample_text('["A-1", "A-2", "A-3", "A-4"]', 40) == "A-1, A-2, A-3 …"
    assert sample_text('["A-1", "A-2"]', 2) == "A-1, A-2"
    assert sample_text('["A-1"]', 5) == "A-1 …"
    assert sample_text("[]", 3) == "" and sample_text(None) == ""
    assert sample_text("A-1, A-2", 2) == "A-1, A-2"

    for lang in ("ru", "en"):
        built = render(tmp_path / lang, planted(), lang)
        for text in (built.files.html.read_text("utf-8"), built.files.markdown.read_text("utf-8")):
            assert "L-101, L-102, L-103 …" in text
            assert '["L-101' not in text and "L-104" not in text

"""Turns the week's data, rule outcome and charts into self-contained HTML and Markdown."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, StrictUndefined

from orchestration.reports.charts import Chart
from orchestration.reports.config import ReportThresholds
from orchestration.reports.data import NON_RANKED_CHANNELS, ReportData
from orchestration.reports.i18n import Locale
from orchestration.reports.publication import Publication
from orchestration.reports.rules import BUDGET_MOVE, RuleOutcome, ranked_channels
from orchestration.reports.templates import HTML_TEMPLATE, MARKDOWN_TEMPLATE


@dataclass
class Row:
    """A table row of already formatted cells."""

    cells: list[str]
    css: str = ""


@dataclass
class Advice:
    """A suggestion as text: what to do, and the figures it rests on."""

    rule: str
    action: str
    why: str


@dataclass
class ReportView:
    """Everything the templates print, already formatted for the locale."""

    lang: str
    title: str
    week_line: str
    compared_line: str
    banner_title: str = ""
    banner_lines: list[str] = field(default_factory=list)
    notice_lines: list[str] = field(default_factory=list)
    source_line: str = ""
    has_figures: bool = False
    raw_rows: list[Row] = field(default_factory=list)
    conv_rows: list[Row] = field(default_factory=list)
    conv_notes: list[str] = field(default_factory=list)
    reason_rows: list[Row] = field(default_factory=list)
    channel_reasons: list[tuple[str, list[Row]]] = field(default_factory=list)
    ranking_title: str = ""
    ranking_rows: list[Row] = field(default_factory=list)
    ranking_empty: str = ""
    channel_rows: list[Row] = field(default_factory=list)
    problem_rows: list[Row] = field(default_factory=list)
    dq_rows: list[Row] = field(default_factory=list)
    dq_message: str = ""
    check_rows: list[Row] = field(default_factory=list)
    checks_message: str = ""
    advice: list[Advice] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    no_advice: str = ""
    charts: list[tuple[str, str, str, str]] = field(default_factory=list)  # name, title, b64, file
    footer: str = ""
    t: dict[str, str] = field(default_factory=dict)


class Formatter:
    """Builds a `ReportView` from the data in one language."""

    def __init__(self, data: ReportData, loc: Locale, th: ReportThresholds) -> None:
        self.data = data
        self.loc = loc
        self.th = th

    def channel(self, key: str | None) -> str:
        if key is None:
            return self.loc.none
        return self.data.names.channels.get(key, {}).get(self.loc.lang, key)

    def reason(self, key: str | None) -> str:
        if key is None:
            return self.loc.none
        return self.data.names.reasons.get(key, {}).get(self.loc.lang, key)

    def interval(self, low: float | None, high: float | None) -> str:
        return f"{self.loc.rate(low)} – {self.loc.rate(high)}"

    def facts(self, facts: dict[str, object]) -> dict[str, str]:
        """Format a rule's raw figures by their names."""
        loc, out = self.loc, {}
        for key, value in facts.items():
            if key in ("from_channel", "to_channel", "channel"):
                out[key] = self.channel(value)  # type: ignore[arg-type]
            elif key == "channels":
                out[key] = ", ".join(f"«{self.channel(c)}»" for c in value)  # type: ignore[attr-defined]
            elif key == "reason":
                out[key] = self.reason(value)  # type: ignore[arg-type]
            elif key.endswith("cost") or key.endswith("spend"):
                out[key] = loc.rub(value)  # type: ignore[arg-type]
            elif key in (
                "rate",
                "previous_rate",
                "low",
                "high",
                "share",
                "channel_share",
                "threshold_share",
            ):
                out[key] = loc.rate(value)  # type: ignore[arg-type]
            elif key == "change_pp":
                out[key] = loc.pp(value)  # type: ignore[arg-type]
            elif key in ("threshold_pp",):
                out[key] = loc.number(value, 0) + ("\u00a0п.п." if loc.lang == "ru" else "\u00a0pp")  # type: ignore[arg-type]
            elif key in (
                "ratio",
                "vs_channel_mix",
                "threshold",
                "expected_deals",
                "min_expected_deals",
            ):
                out[key] = loc.number(value, 2 if key != "expected_deals" else 1)  # type: ignore[arg-type]
            elif isinstance(value, int | float):
                out[key] = loc.integer(value)
            else:
                out[key] = str(value) if value is not None else loc.none
        return out


def _kpi(label: str, value: str, change: str) -> Row:
    return Row([label, value, change])


def build_view(
    data: ReportData,
    outcome: RuleOutcome,
    charts: list[Chart],
    publication: Publication,
    th: ReportThresholds,
    *,
    lang: str,
    generated: datetime,
) -> ReportView:
    """Format every section of the report for one language."""
    loc = Locale(lang)
    f = Formatter(data, loc, th)
    week = data.week
    view = ReportView(
        lang=lang,
        title=loc.t("title"),
        week_line=loc.t(
            "week", name=week.name, start=loc.day(week.monday), end=loc.day(week.sunday)
        ),
        compared_line=loc.t("compared", name=week.previous().name),
        t={
            key: loc.t(key)
            for key in (
                "s_raw",
                "s_conv",
                "s_analysis",
                "s_plan",
                "s_charts",
                "metric",
                "this_week",
                "change",
                "reasons_title",
                "reasons_overall",
                "reason",
                "lost_leads",
                "share",
                "channel",
                "interval",
                "channels_title",
                "problems_title",
                "dq_title",
                "manager",
                "status_fill",
                "outcome_fill",
                "score_fill",
                "reason_fill",
                "stale_leads",
                "checks_title",
                "check",
                "table",
                "severity",
                "failed",
                "sample",
                "caveats_title",
                "rests_on",
                "calls",
                "application_rate",
                "deal_rate",
                "cost_per_quality_call",
                "spend",
                "revenue_won",
                "quality_calls",
            )
        },
        footer=loc.t("footer", generated=generated.strftime("%Y-%m-%d %H:%M UTC")),
    )
    published = (
        publication.published_at.strftime("%Y-%m-%d %H:%M UTC")
        if publication.published_at
        else loc.none
    )
    if not publication.exists:
        view.banner_title = loc.t("not_published")
        view.banner_lines.append(loc.t("missing_file", path=publication.path))
        return view
    if publication.stale:
        view.banner_title = loc.t("not_published")
        view.banner_lines.append(
            loc.t(
                "stale_detail",
                failed=publication.failed_run_id or "?",
                published=published,
                run=publication.published_run_id or "?",
            )
        )
    view.source_line = loc.t("source", path=publication.path.name, published=published)
    s, p = data.summary, data.previous
    if s is None:
        latest = data.latest_published_week
        message = loc.t(
            "week_missing", name=week.name, latest=loc.day(latest) if latest else loc.none
        )
        if publication.stale:
            view.banner_lines.append(message)
        else:
            view.banner_title = view.banner_title or loc.t("not_published")
            view.banner_lines.append(message)
        return view
    view.has_figures = True

    def prev(attr: str) -> float | None:
        return None if p is None else getattr(p, attr)

    # 1. Raw figures.
    view.raw_rows = [
        _kpi(loc.t("calls"), loc.integer(s.calls), loc.pct_change(s.calls, prev("calls"))),
        _kpi(
            loc.t("quality_calls"),
            loc.integer(s.quality_calls),
            loc.pct_change(s.quality_calls, prev("quality_calls")),
        ),
        _kpi(
            loc.t("avg_talk"),
            loc.talk_time(s.avg_talk_seconds),
            loc.pct_change(s.avg_talk_seconds, prev("avg_talk_seconds")),
        ),
        _kpi(
            loc.t("missed_calls"),
            loc.integer(s.missed_calls),
            loc.pct_change(s.missed_calls, prev("missed_calls")),
        ),
    ]
    # 2. Conversion (cohort) and money (activity).
    maturing = " *" if s.is_maturing else ""
    view.conv_rows = [
        _kpi(
            loc.t("application_calls"),
            loc.integer(s.application_calls),
            loc.pct_change(s.application_calls, prev("application_calls")),
        ),
        _kpi(
            loc.t("application_rate"),
            loc.rate(s.application_rate),
            loc.pp(s.application_rate_change_pp),
        ),
        _kpi(
            loc.t("applications"),
            loc.integer(s.applications),
            loc.pct_change(s.applications, prev("applications")),
        ),
        _kpi(
            loc.t("won_applications") + maturing,
            loc.integer(s.won_applications),
            loc.pct_change(s.won_applications, prev("won_applications")),
        ),
        _kpi(loc.t("deal_rate") + maturing, loc.rate(s.deal_rate), loc.pp(s.deal_rate_change_pp)),
        _kpi(
            loc.t("deals_won"),
            loc.integer(s.deals_won),
            loc.pct_change(s.deals_won, prev("deals_won")),
        ),
        _kpi(
            loc.t("revenue_won"),
            loc.rub(s.revenue_won_rub),
            loc.pct_change(s.revenue_won_rub, prev("revenue_won_rub")),
        ),
        _kpi(loc.t("spend"), loc.rub(s.spend_rub), loc.pct_change(s.spend_rub, prev("spend_rub"))),
        _kpi(loc.t("cac"), loc.rub(s.cac_rub), loc.pct_change(s.cac_rub, prev("cac_rub"))),
        _kpi(
            loc.t("romi"),
            loc.rate(s.romi, 0),
            loc.pp(
                None if s.romi is None or prev("romi") is None else (s.romi - prev("romi")) * 100
            ),
        ),  # type: ignore[operator]
    ]
    if s.is_maturing:
        view.conv_notes.append("* " + loc.t("maturing"))
    view.conv_notes.append(loc.t("views_note"))
    # 3. Analysis: refusal reasons overall and per channel.
    with_reason = s.lost_leads - s.lost_leads_without_reason
    for reason, leads in s.top_reasons:
        view.reason_rows.append(
            Row(
                [
                    f.reason(reason),
                    loc.integer(leads),
                    loc.rate(leads / with_reason if with_reason else None),
                ]
            )
        )
    by_channel: dict[str, list[Row]] = {}
    for r in data.reasons:
        rows = by_channel.setdefault(r.channel, [])
        if len(rows) < 3:
            rows.append(
                Row(
                    [
                        f.reason(r.reason),
                        loc.integer(r.lost_leads),
                        loc.rate(r.share_of_channel_lost),
                    ]
                )
            )
    order = data.names.channel_order
    view.channel_reasons = [
        (f.channel(c), rows)
        for c, rows in sorted(by_channel.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))
    ]
    # Lowest and highest application rate among channels with enough calls.
    view.ranking_title = loc.t("ranking_title", min=th.min_channel_calls)
    ranked = ranked_channels(data, th.min_channel_calls)
    if ranked:
        picks = [(loc.t("lowest"), ranked[0])]
        if len(ranked) > 1:
            picks.append((loc.t("highest"), ranked[-1]))
        view.ranking_rows = [
            Row(
                [
                    label,
                    f.channel(c.channel),
                    loc.integer(c.calls),
                    loc.rate(c.application_rate),
                    f.interval(c.application_rate_low, c.application_rate_high),
                ]
            )
            for label, c in picks
        ]
    else:
        view.ranking_empty = loc.t("no_ranking", min=th.min_channel_calls)
    view.channel_rows = [
        Row(
            [
                f.channel(c.channel),
                loc.integer(c.calls),
                loc.integer(c.quality_calls),
                loc.rate(c.application_rate),
                f.interval(c.application_rate_low, c.application_rate_high),
                loc.rub(c.cost_per_quality_call_rub) if c.is_paid else "—",
                loc.rub(c.spend_rub),
                loc.rub(c.revenue_won_rub),
            ],
            css="muted" if c.channel in NON_RANKED_CHANNELS else "",
        )
        for c in data.channels
    ]
    # Technical and organisational problems.
    rate_of = lambda n: n / s.calls if s.calls else None  # noqa: E731
    view.problem_rows = [
        Row(
            [
                loc.t("missed_rate"),
                loc.rate(
                    s.missed_call_rate
                    if s.missed_call_rate is not None
                    else rate_of(s.missed_calls)
                ),
                loc.pp(s.missed_call_rate_change_pp),
            ]
        ),
        Row(
            [
                loc.t("short_calls"),
                f"{loc.integer(s.short_calls)} ({loc.rate(rate_of(s.short_calls))})",
                loc.pct_change(s.short_calls, prev("short_calls")),
            ]
        ),
        Row(
            [
                loc.t("unattributed_calls"),
                f"{loc.integer(s.unattributed_calls)} ({loc.rate(rate_of(s.unattributed_calls))})",
                loc.pct_change(s.unattributed_calls, prev("unattributed_calls")),
            ]
        ),
    ]
    if data.manager_quality is None:
        view.dq_message = loc.t("dq_missing")
    else:

        def low(v: float | None) -> bool:
            return v is not None and v < th.min_fill_rate

        for m in data.manager_quality:
            rates = [m.status_fill_rate, m.outcome_fill_rate, m.score_fill_rate, m.reason_fill_rate]
            if any(low(v) for v in rates) or m.stale_leads > 0:
                view.dq_rows.append(
                    Row(
                        [m.manager_id, *[loc.rate(v, 0) for v in rates], loc.integer(m.stale_leads)]
                    )
                )
        if not view.dq_rows:
            view.dq_message = loc.t("dq_clean", min=loc.rate(th.min_fill_rate, 0))
    if data.checks is None:
        view.checks_message = loc.t("checks_missing")
    else:
        failing = [c for c in data.checks if not c.passed]
        view.check_rows = [
            Row(
                [
                    c.check,
                    c.asset,
                    c.severity,
                    loc.integer(c.failed_count) if c.failed_count is not None else loc.none,
                    c.sample or "—",
                ],
                css="error" if c.severity == "ERROR" else "warn",
            )
            for c in failing
        ]
        if not failing:
            view.checks_message = loc.t("checks_ok", n=len(data.checks))
    # 4. Plan.
    for sug in outcome.suggestions:
        facts = f.facts(sug.facts)
        if sug.rule == "objection_script":
            facts["channel_note"] = (
                loc.t(
                    "objection_channel",
                    channel=facts["channel"],
                    channel_share=facts["channel_share"],
                )
                if sug.facts.get("channel")
                else ""
            )
        view.advice.append(
            Advice(sug.rule, loc.t(f"sug_{sug.rule}", **facts), loc.t(f"why_{sug.rule}", **facts))
        )
    for cav in outcome.caveats:
        facts = f.facts(cav.facts)
        if cav.rule == "small_week":
            view.notice_lines.append(loc.t("small_week", **facts))
        elif cav.rule == BUDGET_MOVE:
            key = "cav_budget_move_small" if "channels" in cav.facts else "cav_budget_move_few"
            view.caveats.append(loc.t(key, **facts))
        else:
            view.caveats.append(loc.t(f"cav_{cav.rule}", **facts))
    if not outcome.suggestions and not outcome.silenced:
        view.no_advice = loc.t("no_suggestions")
    view.charts = [
        (c.name, c.title, base64.b64encode(c.png).decode("ascii"), f"{week.name}_{c.name}.png")
        for c in charts
    ]
    return view


def _environment(autoescape: bool) -> Environment:
    return Environment(
        autoescape=autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(view: ReportView) -> str:
    return _environment(True).from_string(HTML_TEMPLATE).render(v=view)


def render_markdown(view: ReportView) -> str:
    return _environment(False).from_string(MARKDOWN_TEMPLATE).render(v=view)


@dataclass(frozen=True)
class WrittenReport:
    """The files one report wrote."""

    html: Path
    markdown: Path
    charts: list[Path]


def write_report(
    view: ReportView, charts: list[Chart], folder: Path, week_name: str
) -> WrittenReport:
    """Write `<week>.html`, `<week>.md` and `<week>_<chart>.png` into `folder`, atomically each."""
    folder.mkdir(parents=True, exist_ok=True)

    def put(path: Path, payload: bytes) -> Path:
        temp = path.with_name(f".{path.name}.tmp")
        temp.write_bytes(payload)
        temp.replace(path)
        return path

    pngs = [put(folder / f"{week_name}_{c.name}.png", c.png) for c in charts]
    for stale in folder.glob(f"{week_name}_*.png"):
        if stale not in pngs:
            stale.unlink()
    html = put(folder / f"{week_name}.html", render_html(view).encode("utf-8"))
    markdown = put(folder / f"{week_name}.md", render_markdown(view).encode("utf-8"))
    return WrittenReport(html=html, markdown=markdown, charts=pngs)

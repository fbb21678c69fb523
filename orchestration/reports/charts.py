"""The report's charts as PNG bytes (matplotlib, Agg backend, no fonts fetched from anywhere)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from orchestration.reports.data import ReportData  # noqa: E402
from orchestration.reports.i18n import Locale  # noqa: E402

APPLICATION_COLOUR = "#1f6fb2"
DEAL_COLOUR = "#d9822b"
SPEND_COLOUR = "#8c8c8c"
REVENUE_COLOUR = "#2e8b57"


@dataclass(frozen=True)
class Chart:
    """One chart: a short name (file suffix), its title, and the PNG."""

    name: str
    title: str
    png: bytes


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _percent_axis(ax: plt.Axes, loc: Locale) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: loc.rate(v, 0)))
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)


def trend_chart(data: ReportData, loc: Locale) -> Chart | None:
    """Application rate and deal rate over the trend weeks; maturing weeks drawn hollow."""
    weeks = [w for w in data.trend if w.application_rate is not None]
    if not weeks:
        return None
    labels = [w.week_start.strftime("%d.%m") for w in weeks]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    x = list(range(len(weeks)))
    ax.plot(
        x,
        [w.application_rate for w in weeks],
        marker="o",
        color=APPLICATION_COLOUR,
        label=loc.t("application_rate"),
    )
    deal = [w.deal_rate if w.deal_rate is not None else float("nan") for w in weeks]
    ax.plot(x, deal, marker="s", color=DEAL_COLOUR, label=loc.t("deal_rate"))
    maturing = [i for i, w in enumerate(weeks) if w.is_maturing and w.deal_rate is not None]
    if maturing:
        ax.scatter(
            maturing,
            [deal[i] for i in maturing],
            s=90,
            facecolors="white",
            edgecolors=DEAL_COLOUR,
            zorder=3,
            label=loc.t("legend_maturing"),
        )
    ax.set_xticks(x, labels)
    ax.set_ylim(bottom=0)
    _percent_axis(ax, loc)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, frameon=False, fontsize=8)
    ax.set_title(loc.t("chart_trend"), fontsize=11)
    return Chart("trend", loc.t("chart_trend"), _png(fig))


def channel_rate_chart(data: ReportData, loc: Locale) -> Chart | None:
    """Application rate by channel this week, with the Wilson interval as error bars."""
    rows = [
        c
        for c in data.channels
        if c.application_rate is not None and c.calls > 0 and c.channel != "outbound"
    ]
    if not rows:
        return None
    rows.sort(key=lambda c: c.application_rate or 0.0)
    names = [data.names.channels.get(c.channel, {}).get(loc.lang, c.channel) for c in rows]
    rates = [c.application_rate or 0.0 for c in rows]
    low = [
        max(0.0, r - (c.application_rate_low if c.application_rate_low is not None else r))
        for r, c in zip(rates, rows, strict=True)
    ]
    high = [
        max(0.0, (c.application_rate_high if c.application_rate_high is not None else r) - r)
        for r, c in zip(rates, rows, strict=True)
    ]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.2))
    y = list(range(len(rows)))
    ax.barh(
        y,
        rates,
        xerr=[low, high],
        color=APPLICATION_COLOUR,
        alpha=0.85,
        error_kw={"ecolor": "#333333", "capsize": 3, "lw": 1},
    )
    ax.set_yticks(y, [f"{n} ({loc.integer(c.calls)})" for n, c in zip(names, rows, strict=True)])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: loc.rate(v, 0)))
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(left=0)
    ax.set_title(loc.t("chart_channels"), fontsize=11)
    return Chart("channels", loc.t("chart_channels"), _png(fig))


def money_chart(data: ReportData, loc: Locale) -> Chart | None:
    """Spend against revenue won, per channel with either this week."""
    rows = [c for c in data.channels if c.spend_rub > 0 or c.revenue_won_rub > 0]
    if not rows:
        return None
    names = [data.names.channels.get(c.channel, {}).get(loc.lang, c.channel) for c in rows]
    fig, ax = plt.subplots(figsize=(8, 3.6))
    x = list(range(len(rows)))
    ax.bar(
        [i - 0.2 for i in x],
        [c.spend_rub for c in rows],
        width=0.4,
        color=SPEND_COLOUR,
        label=loc.t("legend_spend"),
    )
    ax.bar(
        [i + 0.2 for i in x],
        [c.revenue_won_rub for c in rows],
        width=0.4,
        color=REVENUE_COLOUR,
        label=loc.t("legend_revenue"),
    )
    ax.set_xticks(x, names, rotation=20, ha="right", fontsize=8)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: loc.integer(v)))
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(loc.t("chart_money"), fontsize=11)
    return Chart("money", loc.t("chart_money"), _png(fig))


def build_charts(data: ReportData, loc: Locale) -> list[Chart]:
    """Every chart the data allows, in the order the report shows them."""
    charts = [trend_chart(data, loc), channel_rate_chart(data, loc), money_chart(data, loc)]
    return [chart for chart in charts if chart is not None]

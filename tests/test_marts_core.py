"""The core economics marts on simulator data: the planted order of channels' application rates
shows, every call, lead, deal and rouble of spend is counted once in channel_weekly, outbound
calls stay in their own row, the latest weeks are marked as maturing, and weekly_summary and
channel_quarterly add up to channel_weekly."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml

from orchestration.settings import DBT_PROJECT_DIR, parse_as_of
from orchestration.simulator import truths as T
from tests.conftest import TEST_AS_OF, TEST_WEEKS, PipelineRun

TZ = "Europe/Moscow"
ATTRIBUTED_INBOUND = tuple(T.INBOUND_CHANNELS)


def dbt_var(name: str):
    """A var's default from dbt_project.yml (the test run passes no override for it)."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    return project["vars"][name]


def planted_calendar() -> T.Calendar:
    """The simulated weeks of the shared pipeline run."""
    return T.calendar_for(parse_as_of(TEST_AS_OF, ZoneInfo(TZ)), TZ, TEST_WEEKS)


# ------------------------------------------------------------------------- planted truths


def channel_application_rates(pipeline: PipelineRun) -> dict[str, tuple[int, int]]:
    """Application calls and calls per attributed inbound channel, over all weeks."""
    rows = pipeline.query(
        """
        select channel, sum(application_calls), sum(calls)
        from marts.channel_weekly
        where channel not in ('outbound', 'unattributed')
        group by channel
        """
    )
    return {channel: (int(apps), int(calls)) for channel, apps, calls in rows}


def test_channels_rank_by_application_rate_as_planted(pipeline: PipelineRun) -> None:
    totals = channel_application_rates(pipeline)
    assert set(totals) == set(ATTRIBUTED_INBOUND)
    # rates from summed numerators and denominators, never averaged weekly rates
    rate = {channel: apps / calls for channel, (apps, calls) in totals.items()}
    found_order = tuple(sorted(rate, key=lambda channel: -rate[channel]))
    assert found_order == T.APPLICATION_RATE_ORDER, rate
    for channel, planted in T.CHANNEL_APPLICATION_RATES.items():
        assert rate[channel] == pytest.approx(planted, abs=0.02), channel


def test_best_and_worst_channels_of_each_week_follow_the_planted_order(
    pipeline: PipelineRun,
) -> None:
    rows = pipeline.query(
        "select week_start, best_channel, worst_channel, ranked_channels"
        " from marts.weekly_summary order by week_start"
    )
    assert rows
    bottom_two = set(T.APPLICATION_RATE_ORDER[-2:])
    for week_start, best, worst, ranked in rows:
        # every attributed inbound channel has more calls than the ranking minimum
        assert ranked == len(ATTRIBUTED_INBOUND), week_start
        assert best == T.APPLICATION_RATE_ORDER[0], week_start
        assert worst in bottom_two, week_start


# ------------------------------------------------------------------------- nothing lost


def test_every_inbound_call_is_credited_to_exactly_one_channel(pipeline: PipelineRun) -> None:
    (inbound_calls,) = pipeline.query(
        "select count(*) from marts.fct_calls where direction = 'inbound'"
    )[0]
    (credited,) = pipeline.query(
        "select sum(calls) from marts.channel_weekly where channel <> 'outbound'"
    )[0]
    assert inbound_calls > 0
    assert credited == inbound_calls


def test_outbound_calls_appear_only_in_the_outbound_row(pipeline: PipelineRun) -> None:
    misplaced = pipeline.query(
        "select count(*) from marts.fct_calls"
        " where (direction = 'outbound') <> (channel = 'outbound')"
    )[0][0]
    assert misplaced == 0
    outbound_by_week = dict(
        pipeline.query(
            "select week_start, count(*) from marts.fct_calls"
            " where direction = 'outbound' group by week_start"
        )
    )
    outbound_rows = dict(
        pipeline.query(
            "select week_start, calls from marts.channel_weekly where channel = 'outbound'"
        )
    )
    assert outbound_by_week, "the simulator plants outbound calls every week"
    assert outbound_rows == outbound_by_week
    (summary_calls,) = pipeline.query("select sum(calls) from marts.weekly_summary")[0]
    (inbound_calls,) = pipeline.query(
        "select count(*) from marts.fct_calls where direction = 'inbound'"
    )[0]
    assert summary_calls == inbound_calls


def test_channel_weekly_totals_reconcile_with_the_facts(pipeline: PipelineRun) -> None:
    mart = pipeline.query(
        """
        select
            channel,
            sum(calls), sum(answered_calls), sum(missed_calls), sum(short_calls),
            sum(quality_calls), sum(application_calls), sum(leads), sum(applications),
            sum(won_applications), sum(deals), round(sum(revenue_rub), 2), sum(deals_won),
            round(sum(revenue_won_rub), 2)
        from marts.channel_weekly
        group by channel
        order by channel
        """
    )
    facts = pipeline.query(
        """
        with calls as (
            select
                channel,
                count(*) as calls,
                count(*) filter (where is_answered) as answered,
                count(*) filter (where is_missed) as missed,
                count(*) filter (where is_short_call) as short,
                count(*) filter (where is_quality_call) as quality,
                count(*) filter (where is_application_call) as application_calls
            from marts.fct_calls
            group by channel
        ),
        leads as (
            select
                channel,
                count(*) as leads,
                count(*) filter (where is_application) as applications,
                count(*) filter (where is_application and is_won) as won_applications,
                count(*) filter (where is_won) as deals,
                round(coalesce(sum(revenue_rub), 0), 2) as revenue
            from marts.fct_leads
            group by channel
        )
        select
            coalesce(calls.channel, leads.channel) as channel,
            coalesce(calls.calls, 0), coalesce(calls.answered, 0), coalesce(calls.missed, 0),
            coalesce(calls.short, 0), coalesce(calls.quality, 0),
            coalesce(calls.application_calls, 0), coalesce(leads.leads, 0),
            coalesce(leads.applications, 0), coalesce(leads.won_applications, 0),
            coalesce(leads.deals, 0), coalesce(leads.revenue, 0),
            -- over the whole history every deal is won once: cohort and activity agree
            coalesce(leads.deals, 0), coalesce(leads.revenue, 0)
        from calls
        full outer join leads on calls.channel = leads.channel
        order by channel
        """
    )
    assert mart == facts


def test_spend_is_counted_once_per_week_and_channel(pipeline: PipelineRun) -> None:
    mart = pipeline.query(
        "select week_start, channel, round(spend_rub, 2) from marts.channel_weekly"
        " where spend_rub > 0 order by 1, 2"
    )
    costs = pipeline.query(
        "select week_start, channel, round(sum(spend_rub), 2)"
        " from intermediate.int_ads__costs_known group by 1, 2 order by 1, 2"
    )
    assert mart == costs
    # the simulator leaves one paid channel without spend in one week: its calls still count
    no_spend = pipeline.query(
        "select calls, spend_rub from marts.channel_weekly where channel = ? and week_start = ?",
        [T.NO_SPEND_CHANNEL, planted_calendar().monday(T.NO_SPEND_WEEK)],
    )
    assert len(no_spend) == 1
    calls, spend = no_spend[0]
    assert calls > 0
    assert spend == 0


def test_channel_quarterly_adds_up_to_the_weeks(pipeline: PipelineRun) -> None:
    measures = (
        "sum(calls), sum(application_calls), sum(deals), sum(deals_won), round(sum(spend_rub), 2)"
    )
    weekly = pipeline.query(
        f"select channel, {measures} from marts.channel_weekly group by 1 order by 1"
    )
    quarterly = pipeline.query(
        f"select channel, {measures} from marts.channel_quarterly group by 1 order by 1"
    )
    assert quarterly == weekly


# ------------------------------------------------------------------------- weeks


def test_the_latest_weeks_are_maturing(pipeline: PipelineRun) -> None:
    as_of_local = parse_as_of(TEST_AS_OF, ZoneInfo(TZ)).astimezone(ZoneInfo(TZ)).date()
    as_of_monday = as_of_local - timedelta(days=as_of_local.weekday())
    first_maturing = as_of_monday - timedelta(weeks=dbt_var("maturing_weeks"))
    rows = pipeline.query(
        "select distinct week_start, is_maturing from marts.channel_weekly order by 1"
    )
    weeks = [week for week, _ in rows]
    assert len(weeks) == len(set(weeks)), "a week must be maturing for every channel or none"
    for week, is_maturing in rows:
        assert is_maturing == (week >= first_maturing), week
    # the data ends on the Sunday before as_of: its last maturing_weeks weeks are the maturing ones
    calendar = planted_calendar()
    mondays = [calendar.monday(week) for week in range(calendar.weeks)]
    maturing = dict(rows)
    assert [maturing[monday] for monday in mondays] == (
        [False] * (calendar.weeks - dbt_var("maturing_weeks")) + [True] * dbt_var("maturing_weeks")
    )
    summary = dict(pipeline.query("select week_start, is_maturing from marts.weekly_summary"))
    assert summary == {week: is_maturing for week, is_maturing in rows}


def test_weekly_summary_equals_the_inbound_channel_sums(pipeline: PipelineRun) -> None:
    counts = (
        "calls", "quality_calls", "missed_calls", "short_calls", "application_calls",
        "applications", "won_applications", "deals_won", "answered_calls",
        "answered_talk_seconds",
    )  # fmt: skip
    sums = pipeline.query(
        f"""
        select
            week_start,
            {", ".join(f"sum({column})" for column in counts)},
            coalesce(sum(calls) filter (where channel = 'unattributed'), 0),
            round(sum(revenue_won_rub), 2),
            round(sum(spend_rub), 2)
        from marts.channel_weekly
        where channel <> 'outbound'
        group by week_start
        order by week_start
        """
    )
    summary_columns = (*counts[:-1], "unattributed_calls")
    summary = pipeline.query(
        f"""
        select
            week_start,
            {", ".join(summary_columns)},
            round(revenue_won_rub, 2),
            round(spend_rub, 2),
            application_rate, deal_rate, avg_talk_seconds, cac_rub, romi,
            application_rate_change_pp
        from marts.weekly_summary
        order by week_start
        """
    )
    assert len(summary) == len(sums)
    previous_rate = None
    for row, sum_row in zip(summary, sums, strict=True):
        expected_keys = ("week_start", *counts, "unattributed_calls", "revenue", "spend")
        expected = dict(zip(expected_keys, sum_row, strict=True))
        found_keys = ("week_start", *summary_columns, "revenue", "spend")
        found = dict(zip(found_keys, row[: len(found_keys)], strict=True))
        week = expected["week_start"]
        assert found == {key: expected[key] for key in found}, week
        rate, deal_rate, talk, cac, romi, change = row[len(found_keys) :]
        # the marts' ratios are single-precision floats: compare to a relative 1e-6
        assert rate == pytest.approx(expected["application_calls"] / expected["calls"], rel=1e-6), (
            week
        )
        assert deal_rate == pytest.approx(
            expected["won_applications"] / expected["applications"], rel=1e-6
        ), week
        assert talk == pytest.approx(
            expected["answered_talk_seconds"] / expected["answered_calls"], rel=1e-6
        ), week
        spend, revenue = float(expected["spend"]), float(expected["revenue"])
        if expected["deals_won"]:
            assert cac == pytest.approx(spend / expected["deals_won"], rel=1e-6), week
        else:
            assert cac is None, week
        assert romi == pytest.approx((revenue - spend) / spend, rel=1e-5), week
        if previous_rate is None:
            assert change is None, "the first week has no week before it"
        else:
            assert change == pytest.approx((rate - previous_rate) * 100, abs=1e-4), week
        previous_rate = rate


def test_top_refusal_reasons_are_those_of_the_weeks_lost_leads(pipeline: PipelineRun) -> None:
    summary = pipeline.query(
        "select week_start, top_refusal_reason_1, top_refusal_reason_1_leads, lost_leads"
        " from marts.weekly_summary where lost_leads > 0"
    )
    assert summary
    for week, reason, reason_leads, lost_leads in summary:
        counts = pipeline.query(
            """
            select refusal_reason, count(*) from marts.fct_leads
            where is_lost and channel <> 'outbound' and lost_week_start = ?
                and refusal_reason is not null
            group by refusal_reason
            """,
            [week],
        )
        (total,) = pipeline.query(
            "select count(*) from marts.fct_leads"
            " where is_lost and channel <> 'outbound' and lost_week_start = ?",
            [week],
        )[0]
        assert lost_leads == total
        top = max(n for _, n in counts)
        assert reason_leads == top
        assert reason == min(r for r, n in counts if n == top)


def test_periods_start_on_mondays_and_quarter_days(pipeline: PipelineRun) -> None:
    weeks = [week for (week,) in pipeline.query("select week_start from marts.weekly_summary")]
    assert weeks
    assert all(isinstance(week, date) and week.weekday() == 0 for week in weeks)
    quarters = [
        quarter
        for (quarter,) in pipeline.query(
            "select distinct quarter_start from marts.channel_quarterly"
        )
    ]
    assert quarters
    assert all(quarter.day == 1 and quarter.month in (1, 4, 7, 10) for quarter in quarters)

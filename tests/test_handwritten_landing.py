"""`callfunnel materialize` on a landing folder written by hand to the contract, not simulated."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import PipelineRun, pipeline_env, run_materialize

FIXTURE = Path(__file__).parent / "fixtures" / "handwritten"


@pytest.fixture(scope="module")
def handwritten(tmp_path_factory: pytest.TempPathFactory, dbt_manifest: Path) -> PipelineRun:
    root = tmp_path_factory.mktemp("handwritten")
    env = pipeline_env(root)
    shutil.copytree(FIXTURE, env["CALLFUNNEL_LANDING_DIR"])
    returncode, summary, output = run_materialize(root, env)
    return PipelineRun(root=root, env=env, summary=summary, returncode=returncode, output=output)


def test_materialize_succeeds_and_prints_the_summary(handwritten: PipelineRun) -> None:
    assert handwritten.returncode == 0, handwritten.output
    assert "warehouse:" in handwritten.output
    assert handwritten.env["CALLFUNNEL_WAREHOUSE"] in handwritten.output
    by_source = {s["source"]: s for s in handwritten.summary["sources"]}
    assert by_source["calls"]["rows_read"] == 8
    assert by_source["calls"]["rows_accepted"] == 8
    assert by_source["calls"]["rows_rejected"] == 0
    assert by_source["crm_leads"]["rows_staged"] == 3
    assert handwritten.summary["models_built"] > 0
    assert handwritten.summary["checks_failed"] == []


def test_calls_are_attributed_by_business_date_and_number_type(handwritten: PipelineRun) -> None:
    rows = handwritten.query(
        "select call_id, channel, campaign from intermediate.int_calls_attributed order by call_id"
    )
    got = {call_id: (channel, campaign) for call_id, channel, campaign in rows}
    assert got == {
        # 23:30 Moscow on the number's last day with `context`.
        "c1": ("context", "brand_search"),
        # 21:30 UTC on 10 Nov is 00:30 on 11 Nov in Moscow: the number has moved to `outdoor`.
        "c2": ("outdoor", "billboards_msk"),
        "c3": ("outdoor", "billboards_msk"),
        "c4": ("site", None),
        # A dynamic number: utm_source `yandex` maps to `context`, utm_campaign wins.
        "c5": ("context", "winter_sale"),
        # A dynamic number with an unknown utm_source falls back to the registry.
        "c6": ("targeted", "pool"),
        "c7": ("unattributed", None),
        "c8": ("outbound", None),
    }


def test_first_time_callers_and_hidden_callers(handwritten: PipelineRun) -> None:
    rows = dict(
        handwritten.query(
            "select call_id, is_first_time_caller from intermediate.int_calls_attributed "
            "where direction = 'inbound'"
        )
    )
    assert rows["c1"] is True
    assert rows["c3"] is False  # the same person called the day before
    assert rows["c4"] is None  # a hidden caller is neither
    assert rows["c5"] is True


def test_leads_link_to_calls_by_call_id_then_phone(handwritten: PipelineRun) -> None:
    links = handwritten.query(
        "select lead_id, call_id, link_rule from intermediate.int_lead_calls order by lead_id"
    )
    assert links == [("L1", "c1", "call_id"), ("L2", "c5", "phone_match")]
    leads = {
        row[0]: row[1:]
        for row in handwritten.query(
            "select lead_id, channel, is_won, is_lost, round(revenue_rub, 2) "
            "from intermediate.int_leads"
        )
    }
    assert leads["L1"] == ("context", True, False, 120000)
    # 1000 USD at the rate valid on the won date (seeds/fx_rates.csv: 80.10 from 2026-01-01).
    assert leads["L2"] == ("context", True, False, 80100)
    # A lead pointing to a call the tracker does not have, and no contact phone: no channel.
    assert leads["L3"][:3] == ("unattributed", False, True)


def test_no_phone_number_leaves_staging_and_intermediate(handwritten: PipelineRun) -> None:
    # Phone numbers (E.164 after ingestion) stay in staging and intermediate; marts use caller_key.
    assert handwritten.phone_like_values(("staging",))  # the probe does find numbers where they are
    assert handwritten.phone_like_values(("marts", "main")) == []

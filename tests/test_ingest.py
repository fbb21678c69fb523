"""Ingestion: landing CSV → raw-zone Parquet, quarantine and manifest, with and without Dagster."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from dagster import AssetKey, materialize

from orchestration.ingest import docs
from orchestration.ingest.assets import CHECK_NAME, ingest_assets, ingest_checks
from orchestration.ingest.contract import (
    AD_COSTS,
    CALLS,
    CRM_LEADS,
    CRM_STATUS_EVENTS,
    REJECT_REASONS,
    TRACKING_NUMBERS,
    Column,
    Kind,
    Source,
)
from orchestration.ingest.loader import BAD_FILE, LOADED, ingest_all, ingest_source
from orchestration.ingest.phones import phone_key
from orchestration.ingest.rawzone import (
    MANIFEST_NAME,
    QUARANTINE_SCHEMA,
    SCHEMA_FILE_NAME,
    raw_schema,
)
from orchestration.resources import CallfunnelSettings
from orchestration.settings import Settings

SECRET = "test-secret"
CALLS_HEADER = (
    "call_id,started_at,direction,tracking_number,caller_number,status,wait_seconds,"
    "talk_seconds,utm_source,utm_medium,utm_campaign,utm_content,session_id,manager_id"
)


def make_settings(root: Path, timezone: str = "Europe/Moscow") -> Settings:
    return Settings(
        data_dir=root,
        landing_dir=root / "landing",
        raw_dir=root / "raw",
        quarantine_dir=root / "quarantine",
        warehouse=root / "warehouse.duckdb",
        dagster_home=root / "dagster_home",
        timezone=timezone,
        as_of=datetime(2026, 3, 2, tzinfo=UTC),
        default_region="RU",
        hash_secret=SECRET,
    )


@pytest.fixture
def cfg(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


def land(cfg: Settings, source: str, name: str, text: str | bytes) -> Path:
    folder = cfg.landing_dir / source
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def call(
    call_id: str,
    started_at: str = "2026-01-05 10:00:00",
    direction: str = "inbound",
    tracking: str = "+74955804084",
    caller: str = "+79161234567",
    status: str = "answered",
    wait: str = "5",
    talk: str = "60",
    rest: str = ",,,,,,m1",
) -> str:
    return f"{call_id},{started_at},{direction},{tracking},{caller},{status},{wait},{talk}{rest}"


def calls_file(*rows: str) -> str:
    return "\n".join([CALLS_HEADER, *rows]) + "\n"


def raw_rows(cfg: Settings, source: str, landing_name: str) -> list[dict]:
    return pq.read_table(cfg.raw_dir / source / f"{landing_name}.parquet").to_pylist()


def quarantine_rows(cfg: Settings, source: str, landing_name: str) -> list[dict]:
    return pq.read_table(cfg.quarantine_dir / source / f"{landing_name}.parquet").to_pylist()


def reasons_by_id(rows: list[dict], key: str) -> dict[str, str]:
    return {json.loads(r["raw_record"])[key]: r["reason"] for r in rows}


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "landing" not in p.parts
    }


# ---- validation and normalisation ------------------------------------------------------------


def test_calls_are_typed_and_normalised(cfg: Settings) -> None:
    land(
        cfg,
        "calls",
        "calls_1.csv",
        calls_file(
            call("c1", direction="Inbound", caller="8 (916) 123-45-67", status="ANSWERED"),
            call("c2", direction="outbound", tracking="", caller="", status="busy", wait=""),
        ),
    )
    result = ingest_source(CALLS, cfg)
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (2, 2, 0)
    table = pq.read_table(cfg.raw_dir / "calls" / "calls_1.csv.parquet")
    assert table.schema.equals(raw_schema(CALLS))
    c1, c2 = table.to_pylist()
    assert c1["direction"] == "inbound" and c1["status"] == "answered"
    assert c1["tracking_number"] == "+74955804084"
    assert c1["caller_number"] == "+79161234567"
    assert c1["caller_key"] == phone_key("+79161234567", SECRET)
    assert c1["wait_seconds"] == 5 and c1["talk_seconds"] == 60
    assert c1["manager_id"] == "m1" and c1["utm_source"] is None
    assert (c1["_source_file"], c1["_source_line"]) == ("calls_1.csv", 2)
    assert c2["tracking_number"] is None and c2["wait_seconds"] is None
    assert c2["_source_line"] == 3


def test_timestamps_with_and_without_offset_are_stored_in_utc(cfg: Settings) -> None:
    land(
        cfg,
        "calls",
        "calls_1.csv",
        calls_file(
            call("local", started_at="2026-01-05 10:00:00"),
            call("t_local", started_at="2026-01-05T10:00"),
            call("offset", started_at="2026-01-05T10:00:00+05:00"),
            call("zulu", started_at="2026-01-05T10:00:00Z"),
            call("compact", started_at="2026-01-05T10:00:00.250-0130"),
        ),
    )
    ingest_source(CALLS, cfg)
    got = {r["call_id"]: r["started_at"] for r in raw_rows(cfg, "calls", "calls_1.csv")}
    assert got == {
        "local": datetime(2026, 1, 5, 7, 0),  # Moscow is UTC+3
        "t_local": datetime(2026, 1, 5, 7, 0),
        "offset": datetime(2026, 1, 5, 5, 0),
        "zulu": datetime(2026, 1, 5, 10, 0),
        "compact": datetime(2026, 1, 5, 11, 30, 0, 250000),
    }


def test_files_read_in_parallel_give_what_one_thread_gives(tmp_path: Path) -> None:
    """Four files, two threads: the same rows (time zone, phones, keys, rejects) as one thread,
    and each file its own ingestion stamp."""
    results = {}
    for threads in (1, 2):
        cfg = make_settings(tmp_path / f"threads_{threads}")
        for n in range(4):
            land(
                cfg,
                "calls",
                f"calls_{n}.csv",
                calls_file(
                    call(f"c{n}a", started_at=f"2026-01-0{n + 5} 10:00:00"),
                    call(f"c{n}b", caller=f"8 916 123-45-6{n}", talk="-1"),
                    call(f"c{n}c", caller="+44 20 7946 0958"),
                ),
            )
        result = ingest_source(CALLS, cfg, threads=threads)
        assert [f.name for f in result.files] == [f"calls_{n}.csv" for n in range(4)]
        rows = {
            n: (
                raw_rows(cfg, "calls", f"calls_{n}.csv"),
                quarantine_rows(cfg, "calls", f"calls_{n}.csv"),
            )
            for n in range(4)
        }
        stamps = {r["_ingested_at"] for raw, _ in rows.values() for r in raw}
        assert len(stamps) == 4
        results[threads] = {
            n: ([{k: v for k, v in r.items() if k != "_ingested_at"} for r in raw], rejected)
            for n, (raw, rejected) in rows.items()
        }
    assert results[2] == results[1]
    assert results[2][3][0][0]["started_at"] == datetime(2026, 1, 8, 7, 0)  # Moscow is UTC+3
    assert all(len(rejected) == 1 for _, rejected in results[2].values())


def test_raw_and_quarantine_rows_keep_the_files_line_order(cfg: Settings) -> None:
    """A file of many DuckDB vectors: the raw Parquet and the quarantine hold its rows in line
    order (the validation query does not sort; it must not reorder either)."""
    rows = [
        call(f"c{n:06d}", caller=f"+7916{n:07d}", talk="x" if n % 97 == 0 else str(n % 600))
        for n in range(60_000)
    ]
    land(cfg, "calls", "calls_big.csv", calls_file(*rows))
    result = ingest_source(CALLS, cfg, threads=1)
    assert result.rows_read == 60_000 and result.rows_rejected == 619
    raw = pq.read_table(cfg.raw_dir / "calls" / "calls_big.csv.parquet")
    quarantine = pq.read_table(cfg.quarantine_dir / "calls" / "calls_big.csv.parquet")
    for table, column in ((raw, "_source_line"), (quarantine, "source_line")):
        lines = table.column(column).to_pylist()
        assert lines == sorted(lines) and len(set(lines)) == len(lines)
    assert raw.column("call_id").to_pylist() == [f"c{n:06d}" for n in range(60_000) if n % 97 != 0]


def test_business_time_zone_comes_from_settings(tmp_path: Path) -> None:
    cfg = make_settings(tmp_path, timezone="Asia/Yekaterinburg")  # UTC+5
    land(cfg, "calls", "calls_1.csv", calls_file(call("c1", started_at="2026-01-05 10:00:00")))
    ingest_source(CALLS, cfg)
    assert raw_rows(cfg, "calls", "calls_1.csv")[0]["started_at"] == datetime(2026, 1, 5, 5, 0)


def test_hidden_callers_are_kept_without_identity(cfg: Settings) -> None:
    land(
        cfg,
        "calls",
        "calls_1.csv",
        calls_file(call("empty", caller=""), call("anon", caller="Anonymous"), call("shown")),
    )
    result = ingest_source(CALLS, cfg)
    assert result.rows_rejected == 0
    rows = {r["call_id"]: r for r in raw_rows(cfg, "calls", "calls_1.csv")}
    for hidden in ("empty", "anon"):
        assert rows[hidden]["caller_number"] is None and rows[hidden]["caller_key"] is None
    assert rows["shown"]["caller_key"] == phone_key("+79161234567", SECRET)


def test_hidden_values_only_apply_to_columns_that_declare_them(cfg: Settings) -> None:
    land(cfg, "calls", "calls_1.csv", calls_file(call("c1", tracking="anonymous")))
    ingest_source(CALLS, cfg)
    assert reasons_by_id(quarantine_rows(cfg, "calls", "calls_1.csv"), "call_id") == {
        "c1": "bad_phone:tracking_number"
    }


def test_tracking_number_is_required_for_inbound_calls_only(cfg: Settings) -> None:
    land(
        cfg,
        "calls",
        "calls_1.csv",
        calls_file(call("in", tracking=""), call("out", direction="OUTBOUND", tracking="")),
    )
    result = ingest_source(CALLS, cfg)
    assert [r["call_id"] for r in raw_rows(cfg, "calls", "calls_1.csv")] == ["out"]
    assert reasons_by_id(quarantine_rows(cfg, "calls", "calls_1.csv"), "call_id") == {
        "in": "missing_required:tracking_number"
    }
    assert result.reject_reasons == {"missing_required:tracking_number": 1}


def test_every_reject_reason_reaches_the_quarantine(cfg: Settings) -> None:
    land(
        cfg,
        "calls",
        "calls_1.csv",
        calls_file(
            call("ok"),
            call("", status="answered"),
            call("ts", started_at="05.01.2026 10:00"),
            call("ch", status="lost"),
            call("ph", caller="call me maybe"),
            call("neg", talk="-5"),
            call("frac", wait="1.5"),
            "short,2026-01-05 10:00,inbound",
        ),
    )
    land(
        cfg,
        "tracking_numbers",
        "numbers_1.csv",
        "tracking_number,channel,campaign,number_type,valid_from,valid_to\n"
        "+74955804084,context,c,static,2026-01-01,\n"
        "+74955804085,context,c,static,2026/01/01,\n"
        "+74955804086,context,c,static,2026-01-01,2026-02-30\n",
    )
    land(
        cfg,
        "crm_leads",
        "leads_1.csv",
        "lead_id,created_at,manager_id,amount,currency,updated_at\n"
        "l1,2026-01-05 10:00,m1,100.50,usd,2026-01-05 11:00\n"
        'l2,2026-01-05 10:00,m1,"1,5",,2026-01-05 11:00\n'
        "l3,2026-01-05 10:00,m1,-3,,2026-01-05 11:00\n"
        "l4,2026-01-05 10:00,m1,10,RUBLE,2026-01-05 11:00\n",
    )
    land(
        cfg,
        "ad_costs",
        "costs_1.csv",
        "date,channel,cost,vat_included\n2026-01-05,context,10,TRUE\n2026-01-05,context,10,yes\n",
    )
    results = ingest_all(cfg)
    calls = reasons_by_id(quarantine_rows(cfg, "calls", "calls_1.csv")[:-1], "call_id")
    assert calls == {
        "": "missing_required:call_id",
        "ts": "bad_timestamp:started_at",
        "ch": "bad_choice:status",
        "ph": "bad_phone:caller_number",
        "neg": "bad_integer:talk_seconds",
        "frac": "bad_integer:wait_seconds",
    }
    shape = quarantine_rows(cfg, "calls", "calls_1.csv")[-1]
    assert shape["reason"] == "bad_row_shape:row" and shape["source_line"] == 9
    assert json.loads(shape["raw_record"])["_row_text"] == "short,2026-01-05 10:00,inbound"
    numbers = quarantine_rows(cfg, "tracking_numbers", "numbers_1.csv")
    assert [r["reason"] for r in numbers] == ["bad_date:valid_from", "bad_date:valid_to"]
    leads = reasons_by_id(quarantine_rows(cfg, "crm_leads", "leads_1.csv"), "lead_id")
    assert leads == {
        "l2": "bad_decimal:amount",
        "l3": "bad_decimal:amount",
        "l4": "bad_currency:currency",
    }
    costs = quarantine_rows(cfg, "ad_costs", "costs_1.csv")
    assert [r["reason"] for r in costs] == ["bad_boolean:vat_included"]
    seen = {
        item.split(":")[0]
        for result in results.values()
        for f in result.files
        for item in f.reject_reasons
    }
    assert seen == set(REJECT_REASONS)


def test_every_failing_rule_is_listed_in_the_reason(cfg: Settings) -> None:
    land(
        cfg,
        "calls",
        "calls_1.csv",
        calls_file(call("c1", started_at="soon", caller="x", status="", talk="1e3")),
    )
    ingest_source(CALLS, cfg)
    (row,) = quarantine_rows(cfg, "calls", "calls_1.csv")
    assert row["reason"] == (
        "bad_timestamp:started_at;bad_phone:caller_number;missing_required:status;"
        "bad_integer:talk_seconds"
    )
    assert (row["source"], row["source_file"], row["source_line"]) == ("calls", "calls_1.csv", 2)
    record = json.loads(row["raw_record"])
    assert record["started_at"] == "soon" and record["talk_seconds"] == "1e3"
    assert list(record) == CALLS_HEADER.split(",")


def test_defaults_choices_and_currencies(cfg: Settings) -> None:
    land(
        cfg,
        "ad_costs",
        "costs_1.csv",
        "date,channel,campaign,cost,currency,vat_included\n"
        "2026-01-05, context ,spring,10.5,,\n"
        "2026-01-06,social,,0,eur,1\n",
    )
    land(
        cfg,
        "crm_leads",
        "leads_1.csv",
        "lead_id,created_at,manager_id,call_outcome,quality_score,updated_at\n"
        "l1,2026-01-05 10:00,m1,Application,4,2026-01-05 11:00\n",
    )
    ingest_all(cfg)
    first, second = raw_rows(cfg, "ad_costs", "costs_1.csv")
    assert first["channel"] == "context"  # trimmed, not checked against the seed here
    assert first["currency"] == "RUB" and first["vat_included"] is False
    assert first["cost"] == Decimal("10.5") and first["date"] == date(2026, 1, 5)
    assert first["impressions"] is None  # an optional column absent from the file
    assert second["currency"] == "EUR" and second["vat_included"] is True
    assert second["campaign"] is None
    (lead,) = raw_rows(cfg, "crm_leads", "leads_1.csv")
    assert lead["call_outcome"] == "application" and lead["quality_score"] == 4
    assert lead["currency"] == "RUB" and lead["contact_phone"] is None


def test_unknown_codes_are_left_for_dbt(cfg: Settings) -> None:
    land(
        cfg,
        "crm_status_events",
        "events_1.csv",
        "event_id,lead_id,changed_at,status\ne1,l1,2026-01-05 10:00,no_such_status\n",
    )
    result = ingest_source(CRM_STATUS_EVENTS, cfg)
    assert result.rows_accepted == 1
    assert raw_rows(cfg, "crm_status_events", "events_1.csv")[0]["status"] == "no_such_status"


def test_repeated_keys_are_all_kept_for_dbt_to_merge(cfg: Settings) -> None:
    land(cfg, "calls", "calls_1.csv", calls_file(call("c1", talk="10"), call("c1", talk="20")))
    land(cfg, "calls", "calls_2.csv", calls_file(call("c1", talk="30")))
    result = ingest_source(CALLS, cfg)
    assert result.rows_accepted == 3
    lines = [(r["_source_line"], r["talk_seconds"]) for r in raw_rows(cfg, "calls", "calls_1.csv")]
    assert lines == [(2, 10), (3, 20)]


def test_validation_is_generated_from_the_contract_not_written_per_source(cfg: Settings) -> None:
    invented = Source(
        name="visits",
        title="A source the validator has never seen",
        key=("visit_id",),
        key_rule="",
        columns=(
            Column("visit_id", Kind.TEXT, required=True),
            Column("day", Kind.DATE, required=True),
            Column("paid", Kind.BOOLEAN, default="true"),
            Column("mood", Kind.CHOICE, choices=("good", "bad")),
            Column("phone", Kind.PHONE, hashed_as="phone_key"),
        ),
    )
    land(
        cfg,
        "visits",
        "v.csv",
        "visit_id,day,paid,mood,phone\nv1,2026-01-05,,GOOD,8 916 123 45 67\nv2,2026-01-5,0,meh,\n",
    )
    ingest_source(invented, cfg)
    (ok,) = raw_rows(cfg, "visits", "v.csv")
    assert ok["paid"] is True and ok["mood"] == "good"
    assert ok["phone_key"] == phone_key("+79161234567", SECRET)
    (bad,) = quarantine_rows(cfg, "visits", "v.csv")
    assert bad["reason"] == "bad_date:day;bad_choice:mood"


# ---- reading ---------------------------------------------------------------------------------


def test_line_numbers_are_physical_lines(cfg: Settings) -> None:
    land(
        cfg,
        "calls",
        "calls_1.csv",
        CALLS_HEADER
        + "\n"  # line 1
        + call("a")
        + "\n"  # line 2
        + "\n"  # line 3: blank, not a row
        + call("b", rest=',,,,,"multi\nline note",m1')
        + "\n"  # lines 4-5
        + "broken,row\n"  # line 6: too few fields
        + call("c", talk="-1")
        + "\n"  # line 7: rejected
        + call("d")
        + "\r\n"  # line 8, CRLF
        + call("e"),  # line 9, no final newline
    )
    result = ingest_source(CALLS, cfg, block_size=64)  # several blocks
    assert (result.rows_read, result.rows_accepted, result.rows_rejected) == (6, 4, 2)
    accepted = {r["call_id"]: r["_source_line"] for r in raw_rows(cfg, "calls", "calls_1.csv")}
    assert accepted == {"a": 2, "b": 4, "d": 8, "e": 9}
    rejected = [
        (r["source_line"], r["reason"]) for r in quarantine_rows(cfg, "calls", "calls_1.csv")
    ]
    assert rejected == [(6, "bad_row_shape:row"), (7, "bad_integer:talk_seconds")]


def test_extra_columns_and_any_column_order_are_fine(cfg: Settings) -> None:
    land(
        cfg,
        "crm_status_events",
        "events_1.csv",
        'note,status,changed_at,lead_id,event_id,another\nhello,new,2026-01-05 10:00,l1,e1,"x,y"\n',
    )
    result = ingest_source(CRM_STATUS_EVENTS, cfg)
    assert result.rows_accepted == 1 and not result.bad_files
    (row,) = raw_rows(cfg, "crm_status_events", "events_1.csv")
    assert (row["event_id"], row["lead_id"], row["status"]) == ("e1", "l1", "new")
    assert "note" not in row and "another" not in row


@pytest.mark.parametrize("ending", ["\n", "", "\r\n"])
def test_a_header_only_file_is_valid_and_empty(cfg: Settings, ending: str) -> None:
    land(cfg, "calls", "calls_empty.csv", CALLS_HEADER + ending)
    result = ingest_source(CALLS, cfg)
    assert not result.bad_files
    (file_result,) = result.loaded
    assert (file_result.rows_read, file_result.rows_accepted, file_result.rows_rejected) == (
        0,
        0,
        0,
    )
    table = pq.read_table(cfg.raw_dir / "calls" / "calls_empty.csv.parquet")
    assert table.num_rows == 0 and table.schema.equals(raw_schema(CALLS))


def test_a_byte_order_mark_is_allowed(cfg: Settings) -> None:
    land(cfg, "calls", "calls_bom.csv", b"\xef\xbb\xbf" + calls_file(call("c1")).encode())
    assert ingest_source(CALLS, cfg).rows_accepted == 1


def test_bad_files_are_named_and_do_not_stop_the_others(cfg: Settings) -> None:
    land(cfg, "calls", "a_good.csv", calls_file(call("c1")))
    land(cfg, "calls", "b_missing.csv", "call_id,started_at,direction,status\nc2,x,inbound,busy\n")
    land(cfg, "calls", "c_latin1.csv", calls_file(call("c3", rest=",,,,,,Ям")).encode("cp1251"))
    land(cfg, "calls", "d_binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    land(cfg, "calls", "e_export.xlsx", calls_file(call("c4")))
    land(cfg, "calls", "f_empty.csv", "")
    land(cfg, "calls", "g_good.csv", calls_file(call("c5")))
    land(cfg, "calls", ".hidden.csv", "whatever")
    result = ingest_source(CALLS, cfg)
    assert [f.name for f in result.loaded] == ["a_good.csv", "g_good.csv"]
    problems = {f.name: f.problem for f in result.bad_files}
    assert problems["b_missing.csv"] == ("missing_columns: tracking_number, talk_seconds")
    assert problems["c_latin1.csv"].startswith("file_not_utf8:")
    assert problems["d_binary.csv"].startswith("not_csv:")
    assert problems["e_export.xlsx"].startswith("not_csv:")
    assert problems["f_empty.csv"].startswith("missing_header:")
    assert set(problems) == {
        "b_missing.csv",
        "c_latin1.csv",
        "d_binary.csv",
        "e_export.xlsx",
        "f_empty.csv",
    }
    written = sorted(p.name for p in (cfg.raw_dir / "calls").glob("*.parquet"))
    assert written == [SCHEMA_FILE_NAME, "a_good.csv.parquet", "g_good.csv.parquet"]
    manifest = json.loads((cfg.raw_dir / MANIFEST_NAME).read_text())["calls"]
    assert manifest["b_missing.csv"]["status"] == BAD_FILE
    assert manifest["b_missing.csv"]["problem"] == problems["b_missing.csv"]
    assert manifest["a_good.csv"]["status"] == LOADED
    assert not list(cfg.raw_dir.rglob("*.tmp")) and not list(cfg.quarantine_dir.rglob("*.tmp"))


# ---- raw zone, manifest, idempotence -----------------------------------------------------------


def test_row_accounting_holds_per_file_in_results_manifest_and_parquet(cfg: Settings) -> None:
    land(cfg, "calls", "calls_1.csv", calls_file(call("a"), call("b", talk="x"), "c,d"))
    land(cfg, "calls", "calls_2.csv", calls_file(call("e"), call("f")))
    result = ingest_source(CALLS, cfg)
    manifest = json.loads((cfg.raw_dir / MANIFEST_NAME).read_text())["calls"]
    for f in result.files:
        assert f.rows_read == f.rows_accepted + f.rows_rejected
        entry = manifest[f.name]
        assert (entry["rows_read"], entry["rows_accepted"], entry["rows_rejected"]) == (
            f.rows_read,
            f.rows_accepted,
            f.rows_rejected,
        )
        assert len(raw_rows(cfg, "calls", f.name)) == f.rows_accepted
        assert len(quarantine_rows(cfg, "calls", f.name)) == f.rows_rejected
    assert [(f.rows_read, f.rows_rejected) for f in result.files] == [(3, 2), (2, 0)]
    assert result.rows_read == result.rows_accepted + result.rows_rejected == 5


def test_schema_files_exist_even_without_landing_files(cfg: Settings) -> None:
    ingest_all(cfg)
    for source in (CALLS, TRACKING_NUMBERS, CRM_LEADS, CRM_STATUS_EVENTS, AD_COSTS):
        raw = pq.read_table(cfg.raw_dir / source.folder / SCHEMA_FILE_NAME)
        assert raw.num_rows == 0 and raw.schema.equals(raw_schema(source))
        quarantine = pq.read_table(cfg.quarantine_dir / source.folder / SCHEMA_FILE_NAME)
        assert quarantine.schema.equals(QUARANTINE_SCHEMA)


def test_rerun_on_the_same_files_changes_nothing(cfg: Settings) -> None:
    land(cfg, "calls", "calls_1.csv", calls_file(call("a"), call("b", talk="bad")))
    land(cfg, "crm_leads", "leads_1.csv", "lead_id\nl1\n")  # a bad file stays bad, quietly
    ingest_all(cfg)
    before = snapshot(cfg.data_dir)
    again = ingest_all(cfg)
    assert snapshot(cfg.data_dir) == before
    assert [f.name for f in again["calls"].skipped] == ["calls_1.csv"]
    assert again["calls"].loaded == [] and again["calls"].rows_read == 0
    assert [f.name for f in again["crm_leads"].bad_files] == ["leads_1.csv"]


def test_a_changed_file_is_read_again_and_replaces_its_parquet(cfg: Settings) -> None:
    path = land(cfg, "calls", "calls_1.csv", calls_file(call("a"), call("b", talk="bad")))
    ingest_source(CALLS, cfg)
    path.write_text(calls_file(call("a", talk="99"), call("b"), call("c")), encoding="utf-8")
    result = ingest_source(CALLS, cfg)
    assert [f.name for f in result.loaded] == ["calls_1.csv"] and not result.skipped
    rows = raw_rows(cfg, "calls", "calls_1.csv")
    assert [(r["call_id"], r["talk_seconds"]) for r in rows] == [("a", 99), ("b", 60), ("c", 60)]
    assert quarantine_rows(cfg, "calls", "calls_1.csv") == []
    entry = json.loads((cfg.raw_dir / MANIFEST_NAME).read_text())["calls"]["calls_1.csv"]
    assert (entry["rows_read"], entry["rows_rejected"], entry["size"]) == (
        3,
        0,
        path.stat().st_size,
    )


def test_a_missing_raw_parquet_is_written_again(cfg: Settings) -> None:
    land(cfg, "calls", "calls_1.csv", calls_file(call("a")))
    ingest_source(CALLS, cfg)
    (cfg.raw_dir / "calls" / "calls_1.csv.parquet").unlink()
    result = ingest_source(CALLS, cfg)
    assert [f.name for f in result.loaded] == ["calls_1.csv"]
    assert [r["call_id"] for r in raw_rows(cfg, "calls", "calls_1.csv")] == ["a"]


def test_a_deleted_landing_file_keeps_its_raw_parquet(cfg: Settings) -> None:
    path = land(cfg, "calls", "calls_1.csv", calls_file(call("a")))
    land(cfg, "calls", "calls_2.csv", calls_file(call("b")))
    ingest_source(CALLS, cfg)
    path.unlink()
    result = ingest_source(CALLS, cfg)
    assert [f.name for f in result.files] == ["calls_2.csv"]
    assert [r["call_id"] for r in raw_rows(cfg, "calls", "calls_1.csv")] == ["a"]
    assert "calls_1.csv" in json.loads((cfg.raw_dir / MANIFEST_NAME).read_text())["calls"]


def test_a_loaded_file_that_turns_bad_keeps_its_last_good_rows(cfg: Settings) -> None:
    path = land(cfg, "calls", "calls_1.csv", calls_file(call("a")))
    ingest_source(CALLS, cfg)
    path.write_text("call_id\na\n", encoding="utf-8")
    result = ingest_source(CALLS, cfg)
    assert [f.name for f in result.bad_files] == ["calls_1.csv"]
    assert [r["call_id"] for r in raw_rows(cfg, "calls", "calls_1.csv")] == ["a"]


# ---- Dagster -----------------------------------------------------------------------------------


def test_dagster_assets_materialise_and_the_check_names_bad_files(cfg: Settings) -> None:
    land(cfg, "calls", "calls_1.csv", calls_file(call("a"), call("b", status="?")))
    land(cfg, "calls", "calls_2.csv", "call_id,direction\nx,inbound\n")
    outcome = materialize(
        [*ingest_assets, *ingest_checks],
        resources={"settings": CallfunnelSettings.from_settings(cfg)},
        raise_on_error=False,
    )
    assert outcome.success
    keys = {m.asset_key for m in outcome.get_asset_materialization_events()}
    assert keys == {
        AssetKey(["raw", s])
        for s in ("calls", "tracking_numbers", "crm_leads", "crm_status_events", "ad_costs")
    }
    calls_meta = outcome.asset_materializations_for_node("raw__calls")[0].metadata
    assert calls_meta["rows_read"].value == 2
    assert calls_meta["rows_accepted"].value == 1
    assert calls_meta["rows_rejected"].value == 1
    assert calls_meta["bad_files"].value == 1
    assert calls_meta["per_file"].value["calls_1.csv"]["rows_rejected"] == 1
    checks = {e.asset_key: e for e in outcome.get_asset_check_evaluations()}
    assert {e.check_name for e in checks.values()} == {CHECK_NAME}
    failed = checks[AssetKey(["raw", "calls"])]
    assert not failed.passed and failed.severity.value == "ERROR"
    assert "calls_2.csv" in failed.description
    assert "missing_columns: started_at, tracking_number, status, talk_seconds" in (
        failed.description
    )
    assert checks[AssetKey(["raw", "crm_leads"])].passed


def test_every_asset_says_what_it_reads_and_writes() -> None:
    for definition in ingest_assets:
        (spec,) = definition.specs
        assert spec.group_name == "ingest"
        source = spec.key.path[-1]
        assert f"`{source}/`" in (spec.description or "")
        assert "raw zone" in spec.description and "quarantine" in spec.description


# ---- generated documentation -----------------------------------------------------------------


def test_committed_contract_doc_matches_the_contract() -> None:
    assert docs.CONTRACT_DOC.read_text(encoding="utf-8") == docs.render(), (
        "docs/input_contract.md is stale: run `python -m orchestration.ingest.docs`"
    )


def test_contract_doc_lists_every_source_column_and_reason() -> None:
    text = docs.render()
    for source in (CALLS, TRACKING_NUMBERS, CRM_LEADS, CRM_STATUS_EVENTS, AD_COSTS):
        assert f"### `{source.folder}/`" in text
        for column in source.columns:
            assert f"| {column.name} |" in text
    for code in REJECT_REASONS:
        assert f"`{code}`" in text

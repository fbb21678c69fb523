"""Row validation and normalisation as DuckDB SQL generated from the input contract."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection
from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.ingest.contract import Column, Kind, Source
from orchestration.ingest.phones import PhoneBook
from orchestration.ingest.rawzone import QUARANTINE_SCHEMA, raw_schema
from orchestration.ingest.reader import LINE_COLUMN, MisshapedRow
from orchestration.settings import duckdb_memory_limit

REASON_COLUMN = "__reason"
RECORD_COLUMN = "__raw_record"
SHAPE_REASON = "bad_row_shape:row"

# ISO-8601 date and time: `T` or a space between, minutes required, seconds and fraction optional,
# then an optional `Z` or ±hh[[:]mm] offset. DuckDB's cast alone accepts more than this.
_TIMESTAMP_RE = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)?"
_DATE_RE = r"\d{4}-\d{2}-\d{2}"
_INTEGER_RE = r"\d+"
_DECIMAL_RE = r"\d+(\.\d+)?"
_CURRENCY_RE = r"[A-Za-z]{3}"

_BAD_CODE: dict[Kind, str] = {
    Kind.TIMESTAMP: "bad_timestamp",
    Kind.DATE: "bad_date",
    Kind.PHONE: "bad_phone",
    Kind.INTEGER: "bad_integer",
    Kind.DECIMAL: "bad_decimal",
    Kind.BOOLEAN: "bad_boolean",
    Kind.CHOICE: "bad_choice",
    Kind.CURRENCY: "bad_currency",
}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _trimmed(name: str) -> str:
    return _ident(f"__t_{name}")


def _raw(name: str) -> str:
    return _ident(f"__r_{name}")


def _e164(name: str) -> str:
    return _ident(f"__e_{name}")


def _key(name: str) -> str:
    return _ident(f"__k_{name}")


def _value(col: Column, present: Collection[str]) -> str:
    """The cell as text: trimmed, empty → null, hidden phone → null, default when empty."""
    if col.name not in present:
        return _literal(col.default) if col.default is not None else "NULL::VARCHAR"
    cell = f"nullif({_trimmed(col.name)}, '')"
    if col.hidden_values:
        hidden = ", ".join(_literal(v.lower()) for v in col.hidden_values)
        cell = f"CASE WHEN lower({cell}) IN ({hidden}) THEN NULL ELSE {cell} END"
    if col.default is not None:
        cell = f"coalesce({cell}, {_literal(col.default)})"
    return cell


def _typed(col: Column, v: str, present: Collection[str]) -> str:
    """The value in its storage type; null when empty or when it breaks the column's rule."""
    match col.kind:
        case Kind.TEXT | Kind.CODE:
            return v
        case Kind.TIMESTAMP:
            return (
                f"CASE WHEN regexp_full_match({v}, {_literal(_TIMESTAMP_RE)}) "
                f"THEN timezone('UTC', try_cast({v} AS TIMESTAMPTZ)) END"
            )
        case Kind.DATE:
            return (
                f"CASE WHEN regexp_full_match({v}, {_literal(_DATE_RE)}) "
                f"THEN try_cast({v} AS DATE) END"
            )
        case Kind.INTEGER:
            return (
                f"CASE WHEN regexp_full_match({v}, {_literal(_INTEGER_RE)}) "
                f"THEN try_cast({v} AS BIGINT) END"
            )
        case Kind.DECIMAL:
            return (
                f"CASE WHEN regexp_full_match({v}, {_literal(_DECIMAL_RE)}) "
                f"THEN try_cast({v} AS DECIMAL(18,4)) END"
            )
        case Kind.BOOLEAN:
            return (
                f"CASE WHEN lower({v}) IN ('true', '1') THEN true "
                f"WHEN lower({v}) IN ('false', '0') THEN false END"
            )
        case Kind.CHOICE:
            allowed = ", ".join(_literal(c.lower()) for c in col.choices)
            return f"CASE WHEN lower({v}) IN ({allowed}) THEN lower({v}) END"
        case Kind.CURRENCY:
            return f"CASE WHEN regexp_full_match({v}, {_literal(_CURRENCY_RE)}) THEN upper({v}) END"
        case Kind.PHONE:
            if col.name not in present:
                return "NULL::VARCHAR"
            return f"CASE WHEN {v} IS NOT NULL THEN {_e164(col.name)} END"
    raise ValueError(f"no rule for kind {col.kind}")  # pragma: no cover - every kind has one


def _check(source: Source, col: Column) -> str | None:
    """SQL giving `code:column` when the cell breaks a rule, else null."""
    v = _ident(f"v_{col.name}")
    p = _ident(f"p_{col.name}")
    arms: list[str] = []
    if col.required:
        arms.append(f"WHEN {v} IS NULL THEN {_literal('missing_required:' + col.name)}")
    elif col.required_when:
        other, value = col.required_when
        source.column(other)  # fails loudly if the contract names an unknown column
        when = f"lower({_ident('v_' + other)}) = {_literal(value.lower())}"
        arms.append(f"WHEN {v} IS NULL AND {when} THEN {_literal('missing_required:' + col.name)}")
    if col.kind in _BAD_CODE:
        code = f"{_BAD_CODE[col.kind]}:{col.name}"
        arms.append(f"WHEN {v} IS NOT NULL AND {p} IS NULL THEN {_literal(code)}")
    if not arms:
        return None
    return "CASE " + " ".join(arms) + " END"


def build_sql(
    source: Source, present: Collection[str], file_name: str, ingested_at: datetime
) -> str:
    """SELECT over relation `batch` giving raw-zone columns, the reject reason and raw record.

    `batch` holds, per contract column in the file, `__t_<name>` (trimmed text) and `__r_<name>`
    (as sent); per phone column `__e_<name>`/`__k_<name>` (E.164 and its key); and
    `_source_line`. Every rule comes from the contract; nothing here names a source.
    """
    values = [f"{_value(c, present)} AS {_ident('v_' + c.name)}" for c in source.columns]
    passthrough = [_raw(c.name) for c in source.columns if c.name in present]
    passthrough += [
        _e164(c.name) for c in source.columns if c.kind is Kind.PHONE and c.name in present
    ]
    passthrough += [_key(c.name) for c in source.columns if c.hashed_as and c.name in present]
    stage1 = ", ".join([*values, *passthrough, _ident(LINE_COLUMN)])

    typed = [
        f"{_typed(c, _ident('v_' + c.name), present)} AS {_ident('p_' + c.name)}"
        for c in source.columns
    ]
    stage2 = ", ".join(["*", *typed])

    checks = [sql for c in source.columns if (sql := _check(source, c)) is not None]
    reason = f"nullif(concat_ws(';', {', '.join(checks)}), '')" if checks else "NULL::VARCHAR"

    outputs: list[str] = []
    for c in source.columns:
        outputs.append(f"{_ident('p_' + c.name)} AS {_ident(c.name)}")
        if c.hashed_as:
            key = _key(c.name) if c.name in present else "NULL::VARCHAR"
            outputs.append(
                f"CASE WHEN {_ident('p_' + c.name)} IS NOT NULL THEN {key} END "
                f"AS {_ident(c.hashed_as)}"
            )
    outputs.append(f"{_literal(file_name)} AS _source_file")
    outputs.append(f"{_ident(LINE_COLUMN)}")
    outputs.append(f"TIMESTAMP {_literal(ingested_at.isoformat(sep=' '))} AS _ingested_at")
    pairs = ", ".join(
        f"{_literal(c.name)}, {_raw(c.name)}" for c in source.columns if c.name in present
    )
    record = f"json_object({pairs})::VARCHAR" if pairs else "'{}'"
    raws = [_raw(c.name) for c in source.columns if c.name in present] or ["NULL AS __none"]
    stage3 = ", ".join([*outputs, f"{reason} AS {REASON_COLUMN}", *raws])
    carried = ", ".join(r.split(" AS ")[-1] for r in raws)
    return (
        f"WITH s1 AS (SELECT {stage1} FROM batch), "
        f"s2 AS (SELECT {stage2} FROM s1), "
        f"s3 AS (SELECT {stage3} FROM s2) "
        f"SELECT * EXCLUDE ({carried}), "
        f"CASE WHEN {REASON_COLUMN} IS NOT NULL THEN {record} END AS {RECORD_COLUMN} "
        # No ORDER BY: a batch arrives in line order, and these projections keep it (DuckDB's
        # `preserve_insertion_order`, on by default); sorting again cost a quarter of the query.
        "FROM s3"
    )


def connect(timezone: str, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB for validation; offset-less timestamps are read in the business zone."""
    con = duckdb.connect(":memory:", config={"memory_limit": memory_limit or duckdb_memory_limit()})
    return set_timezone(con, timezone)


def set_timezone(con: duckdb.DuckDBPyConnection, timezone: str) -> duckdb.DuckDBPyConnection:
    """Read offset-less timestamps in `timezone` on this connection (a session setting: each
    cursor needs its own)."""
    con.execute(f"SET TimeZone = {_literal(timezone)}")
    return con


class BatchValidator:
    """Validates batches of one landing file against its source's contract."""

    def __init__(
        self,
        source: Source,
        header: Collection[str],
        file_name: str,
        con: duckdb.DuckDBPyConnection,
        phones: PhoneBook,
        ingested_at: datetime,
    ) -> None:
        self.source = source
        self.file_name = file_name
        self.present = [c.name for c in source.columns if c.name in set(header)]
        self.con = con
        self.phones = phones
        self.sql = build_sql(source, self.present, file_name, ingested_at)
        self.schema = raw_schema(source)
        self.reasons: Counter[str] = Counter()

    def _input(self, rows: pa.Table) -> pa.Table:
        arrays: dict[str, pa.ChunkedArray | pa.Array] = {}
        for name in self.present:
            raw = rows.column(name)
            trimmed = pc.utf8_trim_whitespace(raw)
            arrays[f"__t_{name}"] = trimmed
            arrays[f"__r_{name}"] = raw
            if self.source.column(name).kind is Kind.PHONE:
                e164, key = self.phones.lookup(trimmed)
                arrays[f"__e_{name}"] = e164
                arrays[f"__k_{name}"] = key
        arrays[LINE_COLUMN] = rows.column(LINE_COLUMN)
        return pa.table(arrays)

    def validate(self, rows: pa.Table) -> tuple[pa.Table, pa.Table]:
        """(accepted rows in the raw-zone schema, rejected rows in the quarantine schema)."""
        self.con.register("batch", self._input(rows))
        try:
            result = self.con.sql(self.sql).to_arrow_table()
        finally:
            self.con.unregister("batch")
        rejected_mask = pc.is_valid(result.column(REASON_COLUMN))
        accepted = result.filter(pc.invert(rejected_mask))
        accepted = accepted.select(self.schema.names).cast(self.schema)
        rejected = result.filter(rejected_mask)
        quarantine = self._quarantine(
            rejected.column(LINE_COLUMN),
            rejected.column(REASON_COLUMN),
            rejected.column(RECORD_COLUMN),
        )
        return accepted, quarantine

    def misshaped(self, rows: list[MisshapedRow]) -> pa.Table:
        """Quarantine rows for records with the wrong number of fields."""
        records = [
            json.dumps(
                {"_row_text": r.text, "_fields": r.fields, "_expected_fields": r.expected},
                ensure_ascii=False,
                separators=(",", ":"),
            )
            for r in rows
        ]
        return self._quarantine(
            pa.array([r.line for r in rows], pa.int64()),
            pa.array([SHAPE_REASON] * len(rows), pa.string()),
            pa.array(records, pa.string()),
        )

    def _quarantine(self, lines: pa.Array, reasons: pa.Array, records: pa.Array) -> pa.Table:
        count = len(lines)
        if count:
            parts = pc.list_flatten(pc.split_pattern(reasons, ";"))
            for item in pc.value_counts(parts).to_pylist():
                self.reasons[item["values"]] += item["counts"]
        return pa.table(
            {
                "source": pa.repeat(pa.scalar(self.source.name), count),
                "source_file": pa.repeat(pa.scalar(self.file_name), count),
                "source_line": lines,
                "reason": reasons,
                "raw_record": records,
            },
            schema=QUARANTINE_SCHEMA,
        )

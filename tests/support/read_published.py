"""Reads every table of a published DuckDB file and prints what it saw as one JSON line."""

# Runs under any DuckDB (the tests use 1.4 and 2.0), with only the standard library besides:
# every value is read and turned to text inside DuckDB, so no pandas, pyarrow or pytz is needed.
import argparse
import json
import sys

import duckdb

SCHEMA = "marts"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def snapshot(con: duckdb.DuckDBPyConnection) -> dict:
    """Rows, column types, a content fingerprint and any `generation` values of every mart."""
    tables = {}
    names = con.execute(
        "select table_name from duckdb_tables() where schema_name = ? order by 1", [SCHEMA]
    ).fetchall()
    for (name,) in names:
        relation = f"{SCHEMA}.{_ident(name)}"
        columns = con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where schema_name = ? and table_name = ? order by column_index",
            [SCHEMA, name],
        ).fetchall()
        rows, fingerprint = con.execute(
            "select count(*), md5(coalesce(string_agg(line, chr(10) order by line), '')) "
            f"from (select cast(t as varchar) as line from {relation} as t)"
        ).fetchone()
        generations = None
        if any(column == "generation" for column, _ in columns):
            generations = [
                value
                for (value,) in con.execute(
                    f"select distinct generation from {relation} order by 1"
                ).fetchall()
            ]
        tables[name] = {
            "rows": rows,
            "columns": [[column, data_type] for column, data_type in columns],
            "fingerprint": fingerprint,
            "generations": generations,
        }
    return {"duckdb_version": duckdb.__version__, "tables": tables}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument(
        "--hold",
        action="store_true",
        help="read, print, wait for a line on stdin, read again on the same connection, print",
    )
    args = parser.parse_args()
    try:
        con = duckdb.connect(args.path, read_only=True)
    except duckdb.Error as exc:
        print(json.dumps({"duckdb_version": duckdb.__version__, "error": str(exc)}))
        return 3
    con.execute("set TimeZone = 'UTC'")
    print(json.dumps(snapshot(con)), flush=True)
    if args.hold:
        sys.stdin.readline()
        print(json.dumps(snapshot(con)), flush=True)
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

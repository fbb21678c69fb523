"""The landing-file reader: physical line numbers, mis-shaped rows and file checks."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.ingest.reader import (
    LINE_COLUMN,
    BadFile,
    check_text,
    read_batches,
    read_header,
)

HEADER = ["a", "b", "c"]
field_text = st.text(alphabet=["x", "é", ",", '"', "\n", "\r", " ", "7"], max_size=6)
row = st.lists(field_text, min_size=1, max_size=5)
item = st.one_of(st.just(None), row)  # None = a blank line


def _render(items: list[list[str] | None], terminator: str, final_newline: bool):
    """CSV text plus what a correct reader must return: rows and mis-shaped rows by line."""
    out = io.StringIO()
    out.write(",".join(HEADER) + terminator)
    rows: list[tuple[int, list[str]]] = []
    misfits: list[tuple[int, str, int]] = []
    for fields in items:
        line = 1 + out.getvalue().count("\n")
        if fields is None:
            out.write(terminator)
            continue
        buffer = io.StringIO()
        # With "\r\n" as its terminator the writer quotes every value holding either character.
        csv.writer(buffer, lineterminator="\r\n").writerow(fields)
        text = buffer.getvalue().removesuffix("\r\n")
        out.write(text + terminator)
        if len(fields) != len(HEADER):
            misfits.append((line, text, len(fields)))
        elif any(fields):
            rows.append((line, fields))
    text = out.getvalue()
    if not final_newline and text.endswith(terminator) and items and items[-1] is not None:
        text = text[: -len(terminator)]
    return text, rows, misfits


def _read(path: Path, block_size: int):
    header = read_header(path)
    rows: list[tuple[int, list[str]]] = []
    misfits: list[tuple[int, str, int]] = []
    for batch in read_batches(path, header, block_size=block_size):
        for record in batch.rows.to_pylist():
            rows.append((record[LINE_COLUMN], [record[name] for name in HEADER]))
        misfits += [(m.line, m.text, m.fields) for m in batch.misshaped]
    return rows, misfits


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    items=st.lists(item, max_size=25),
    terminator=st.sampled_from(["\n", "\r\n"]),
    final_newline=st.booleans(),
    block_size=st.sampled_from([128, 256, 1 << 20]),  # a block must hold two rows
)
def test_reader_matches_a_line_by_line_reference(
    tmp_path: Path,
    items: list[list[str] | None],
    terminator: str,
    final_newline: bool,
    block_size: int,
) -> None:
    text, expected_rows, expected_misfits = _render(items, terminator, final_newline)
    path = tmp_path / "data.csv"
    path.write_bytes(text.encode("utf-8"))
    rows, misfits = _read(path, block_size)
    assert rows == expected_rows
    assert misfits == expected_misfits


def test_a_quoted_line_break_makes_a_row_span_lines(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('a,b,c\n1,"two\nlines",3\n4,5,6\n', encoding="utf-8")
    rows, misfits = _read(path, 1 << 20)
    assert rows == [(2, ["1", "two\nlines", "3"]), (4, ["4", "5", "6"])]
    assert misfits == []


def test_header_only_without_newline_has_no_body(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("a,b,c", encoding="utf-8")
    header = read_header(path)
    assert header.names == ("a", "b", "c") and not header.has_body
    assert _read(path, 1 << 20) == ([], [])


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("f.txt", b"a,b\n1,2\n", "not_csv"),
        ("f.csv", b"a,b\n1,\x002\n", "not_csv"),
        ("f.csv", "a,b\nПривет,2\n".encode("cp1251"), "file_not_utf8"),
        ("f.csv", b"", "missing_header"),
    ],
)
def test_files_that_are_not_utf8_csv_are_refused(
    tmp_path: Path, name: str, content: bytes, code: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BadFile) as refused:
        check_text(path)
    assert refused.value.code == code


def test_the_line_of_invalid_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\n1,2\n3,\xff\n")
    with pytest.raises(BadFile, match="line 3"):
        check_text(path)

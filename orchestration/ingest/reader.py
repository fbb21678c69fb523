"""Landing-file reader: checks a file is UTF-8 CSV, then streams its rows as strings in bounded
batches, each row tagged with the physical line it starts on (header = line 1)."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from orchestration.ingest.contract import REASON_NOT_UTF8

LINE_COLUMN = "_source_line"
CSV_SUFFIX = ".csv"
# Bytes handed to the CSV parser at a time; a batch holds the rows of one block, so memory stays
# flat however large the file is.
DEFAULT_BLOCK_SIZE = 8 << 20
_CHUNK = 1 << 20
_HEADER_LIMIT = 1 << 20


NOT_CSV = "not_csv"
MISSING_HEADER = "missing_header"
MISSING_COLUMNS = "missing_columns"
DUPLICATE_COLUMNS = "duplicate_columns"
# Why a whole landing file is skipped (stable codes, listed in the generated contract docs).
BAD_FILE_PROBLEMS: dict[str, str] = {
    NOT_CSV: "not a `.csv` file, binary content, or not parseable as CSV",
    REASON_NOT_UTF8: "the file is not UTF-8 text",
    MISSING_HEADER: "the file is empty, or its first line is blank",
    MISSING_COLUMNS: "the header lacks required columns (they are named)",
    DUPLICATE_COLUMNS: "a contract column appears twice in the header",
}


class BadFile(Exception):
    """A landing file that cannot be read as the contract's CSV; `problem` is `code: detail`."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        self.problem = f"{code}: {detail}"
        super().__init__(self.problem)


def file_digest(path: Path) -> tuple[str, int]:
    """(sha256 hex, size in bytes) of a file, read in bounded chunks."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def check_text(path: Path) -> None:
    """Raise BadFile unless the file is a non-empty `.csv` of UTF-8 text without NUL bytes.

    The file is read once without counting lines; only a file that fails is read again to name
    the line of its first problem.
    """
    suffix = path.suffix
    if suffix.lower() != CSV_SUFFIX:
        raise BadFile(NOT_CSV, f"only {CSV_SUFFIX} files are read (this one is {suffix or 'bare'})")
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    empty = True
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            empty = False
            if b"\x00" in chunk:
                _locate_problem(path)
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                _locate_problem(path)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        _locate_problem(path)
    if empty:
        raise BadFile(MISSING_HEADER, "the file is empty (no header row)")


def _locate_problem(path: Path) -> None:
    """Raise BadFile naming the line of the file's first NUL byte or invalid UTF-8 sequence."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    line = 1
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            final = not chunk
            if b"\x00" in chunk:
                at = line + chunk.count(b"\n", 0, chunk.index(b"\x00"))
                raise BadFile(NOT_CSV, f"binary content (a NUL byte on line {at})")
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                at = line + chunk.count(b"\n", 0, max(exc.start, 0))
                raise BadFile(REASON_NOT_UTF8, f"the file is not UTF-8 (line {at})") from exc
            if final:
                break
            line += chunk.count(b"\n")
    raise RuntimeError(f"{path.name} changed while it was being checked")  # pragma: no cover


@dataclass(frozen=True)
class Header:
    """Column names of a landing file and whether anything follows the header line."""

    names: tuple[str, ...]
    has_body: bool
    size: int = 0  # bytes of the header line, so a parse block can always hold it


def read_header(path: Path) -> Header:
    """Parse the header row (the first physical line; quoted line breaks are not allowed in it)."""
    with open(path, "rb") as handle:
        head = handle.read(_HEADER_LIMIT + 1)
    text = head.decode("utf-8-sig", errors="replace")
    ends = [i for i in (text.find("\n"), text.find("\r")) if i >= 0]
    if not ends and len(head) > _HEADER_LIMIT:
        raise BadFile(NOT_CSV, "the first line is longer than 1 MiB")
    end = min(ends) if ends else len(text)
    try:
        rows = list(csv.reader([text[:end]], strict=True))
    except csv.Error as exc:
        raise BadFile(NOT_CSV, f"the header row is not valid CSV ({exc})") from exc
    names = tuple(rows[0]) if rows else ()
    if not any(names):
        raise BadFile(MISSING_HEADER, "the first line is empty (no header row)")
    size = len(text[:end].encode("utf-8")) + 3  # a byte-order mark, if any
    return Header(names=names, has_body=bool(ends), size=size)


@dataclass
class MisshapedRow:
    """A row whose number of fields differs from the header's."""

    line: int
    text: str
    fields: int
    expected: int


@dataclass
class Batch:
    """Rows of one block: every header column as text plus `_source_line`; blank rows dropped."""

    rows: pa.Table
    misshaped: list[MisshapedRow] = field(default_factory=list)


class _LineCounter:
    """Turns record order into physical line numbers, in whole-array operations per batch.

    The parser numbers records (header = 1) and hands over mis-shaped ones separately; a record
    spans one line plus the line feeds inside its quoted values. A well-formed record's line is
    therefore the lines of all well-formed records before it plus those of the mis-shaped records
    before it, which is found by a sorted search rather than a walk over the rows.
    """

    def __init__(self, header_lines: int = 1) -> None:
        self.first_line = header_lines + 1
        self.rows_seen = 0  # well-formed records placed so far
        self.lines_seen = 0  # lines those records span
        self._before: list[int] = []  # per mis-shaped record: well-formed records before it
        self._spans: list[int] = [0]  # prefix sums of mis-shaped records' line spans
        self._pending: list[tuple[int, MisshapedRow]] = []

    def misshaped(self, ordinal: int | None, text: str, fields: int, expected: int) -> None:
        if ordinal is None:
            raise RuntimeError("the CSV parser did not number a mis-shaped row")
        index = len(self._before)
        before = ordinal - 2 - index
        if before < self.rows_seen or (self._before and before < self._before[-1]):
            raise RuntimeError("the CSV parser reported a mis-shaped row out of order")
        self._before.append(before)
        self._spans.append(self._spans[-1] + 1 + text.count("\n"))
        self._pending.append((index, MisshapedRow(0, text, fields, expected)))

    def place(self, spans: np.ndarray) -> tuple[np.ndarray, list[MisshapedRow]]:
        """Lines of the next well-formed records (given their spans) and any resolved misfits."""
        count = len(spans)
        ends = np.cumsum(spans, dtype=np.int64)
        starts = ends - spans  # lines spanned by earlier records of this batch
        ordinals = self.rows_seen + np.arange(count, dtype=np.int64)
        before = np.asarray(self._before, dtype=np.int64)
        prefix = np.asarray(self._spans, dtype=np.int64)
        misfits_before = np.searchsorted(before, ordinals, side="right")
        lines = self.first_line + self.lines_seen + starts + prefix[misfits_before]
        resolved: list[MisshapedRow] = []
        keep: list[tuple[int, MisshapedRow]] = []
        offsets = np.concatenate(([0], ends))
        for index, row in self._pending:  # mis-shaped rows only; rare
            local = self._before[index] - self.rows_seen
            if local <= count:
                row.line = int(self.first_line + self.lines_seen + offsets[local] + prefix[index])
                resolved.append(row)
            else:
                keep.append((index, row))
        self._pending = keep
        self.rows_seen += count
        self.lines_seen += int(ends[-1]) if count else 0
        return lines, resolved

    def finish(self) -> list[MisshapedRow]:
        _, resolved = self.place(np.zeros(0, dtype=np.int64))
        if self._pending:
            raise RuntimeError("mis-shaped rows could not be placed in the file")
        return resolved


def _spans(table: pa.Table) -> np.ndarray:
    spans = np.ones(table.num_rows, dtype=np.int64)
    for column in table.columns:
        feeds = pc.count_substring(column, "\n")
        if pc.max(feeds).as_py():
            spans += feeds.to_numpy(zero_copy_only=False).astype(np.int64)
    return spans


def _not_blank(table: pa.Table) -> pa.Array | None:
    """Mask of rows with at least one non-empty field (None when every row has one)."""
    blank = None
    for column in table.columns:
        empty = pc.equal(pc.binary_length(column), 0)
        blank = empty if blank is None else pc.and_(blank, empty)
    if blank is None or not pc.any(blank).as_py():
        return None
    return pc.invert(blank)


class _NoSplitCarriageReturn(io.RawIOBase):
    """Hands the parser blocks that never end in `\r`.

    The CSV parser loses the line feed of a quoted `\r\n` when a block ends between the two
    characters; holding a trailing `\r` back for the next block avoids that.
    """

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._carry = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        want = size if size is None or size < 0 else max(size - len(self._carry), 1)
        data = self._carry + self._raw.read(want)
        self._carry = b""
        if len(data) > 1 and data.endswith(b"\r"):
            self._carry, data = data[-1:], data[:-1]
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def read_batches(
    path: Path, header: Header, block_size: int = DEFAULT_BLOCK_SIZE
) -> Iterator[Batch]:
    """Stream a checked landing file as batches of text rows with their physical line numbers.

    Blank lines (and rows whose every field is empty) are not rows: they are skipped, but still
    count as lines. Rows with too few or too many fields come back as `misshaped`.
    """
    names = list(header.names)
    if not header.has_body:
        yield Batch(rows=_empty(names))
        return
    counter = _LineCounter()
    with open(path, "rb") as handle:
        yield from _parse(_NoSplitCarriageReturn(handle), names, header, counter, block_size)


def _parse(
    stream: io.RawIOBase,
    names: list[str],
    header: Header,
    counter: _LineCounter,
    block_size: int,
) -> Iterator[Batch]:
    def on_invalid(row: pacsv.InvalidRow) -> str:
        counter.misshaped(row.number, row.text, row.actual_columns, row.expected_columns)
        return "skip"

    reader = pacsv.open_csv(
        stream,
        read_options=pacsv.ReadOptions(
            use_threads=False, block_size=max(block_size, 2 * header.size + 2)
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=",",
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            check_utf8=True,
        ),
    )
    if list(reader.schema.names) != names:
        raise BadFile(NOT_CSV, "the header row could not be read consistently")
    for record_batch in reader:
        table = pa.Table.from_batches([record_batch])
        lines, misfits = counter.place(_spans(table))
        table = table.append_column(LINE_COLUMN, pa.array(lines, pa.int64()))
        keep = _not_blank(table.drop_columns([LINE_COLUMN]))
        if keep is not None:
            table = table.filter(keep)
        yield Batch(rows=table, misshaped=misfits)
    tail = counter.finish()
    if tail:
        yield Batch(rows=_empty(names), misshaped=tail)


def _empty(names: Sequence[str]) -> pa.Table:
    fields = [pa.field(name, pa.string()) for name in names]
    return pa.schema([*fields, pa.field(LINE_COLUMN, pa.int64())]).empty_table()

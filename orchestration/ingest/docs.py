"""Generates docs/input_contract.md, the user-facing landing contract, from contract.py."""

from __future__ import annotations

import sys
from pathlib import Path

from orchestration.ingest.contract import REJECT_REASONS, SOURCES, Column, Source
from orchestration.ingest.reader import BAD_FILE_PROBLEMS
from orchestration.settings import PROJECT_ROOT

CONTRACT_DOC = PROJECT_ROOT / "docs" / "input_contract.md"

_FORMAT_RULES = (
    "Each source is a subfolder of the landing folder (`CALLFUNNEL_LANDING_DIR`, default "
    "`data/landing`) holding CSV files; new files arrive over time and are read in file-name "
    "order.",
    "RFC 4180 CSV: UTF-8 (a byte-order mark is allowed), comma delimiter, a header row, values "
    'with commas, quotes or line breaks in double quotes (a quote inside is written `""`). '
    "Files must end in `.csv`; files whose name starts with `.` and subfolders are ignored.",
    "Column names are exact and case-sensitive. Extra columns are ignored, never an error; their "
    "order does not matter. A file with only a header is valid and empty.",
    "Values are trimmed of surrounding white space; an empty value is a missing value.",
    "Timestamps: ISO-8601, `YYYY-MM-DDTHH:MM[:SS[.fff]]` (a space instead of `T` is fine) with an "
    "optional `Z` or `±HH[:MM]` offset; without an offset the time is in the business time zone "
    "(`CALLFUNNEL_TIMEZONE`, default `Europe/Moscow`). They are stored in UTC.",
    "Dates: `YYYY-MM-DD`. Whole numbers: digits only, ≥ 0. Decimals: digits with `.` as the "
    "decimal mark, ≥ 0 (kept to 4 decimal places). Booleans: `true`/`false`/`1`/`0`, any case.",
    "Values from a fixed list are matched in any case and stored in lower case; currencies are "
    "three letters, stored in upper case.",
    "Phone numbers in any common format (`+7 (495) 580-40-84`, `8 495 580 40 84`, "
    "`84955804084`, …); a number without a country code is read in the default region "
    "(`CALLFUNNEL_DEFAULT_REGION`, default `RU`). They are stored in E.164 (`+74955804084`); an "
    "extension is dropped.",
    "Codes that refer to a seed (channels, CRM statuses, refusal reasons) are not checked when "
    "files are loaded, so a code added to a seed later takes effect on the next build without "
    "reloading anything.",
    "Blank lines, and rows whose every field is empty, are skipped. A row is identified by its "
    "file and the line it starts on (the header is line 1); a quoted value with line breaks "
    "makes its row span several lines.",
)

_KEY_RULES = (
    "The landing folder is an inbox: the raw zone is the record, so deleting a landing file "
    "later removes nothing already loaded.",
    "A file that was loaded before is skipped while its content is unchanged; when its content "
    "changes it is read again and replaces what it gave before.",
)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _column_row(col: Column) -> str:
    return (
        f"| {col.name} | {_cell(col.describe_type())} | {col.describe_required()} | "
        f"{_cell(col.meaning)} |"
    )


def _source_section(source: Source) -> list[str]:
    key = ", ".join(f"`{k}`" for k in source.key)
    lines = [
        f"### `{source.folder}/` — {source.title}",
        "",
        f"Key: {key}. {source.key_rule}",
        "",
    ]
    lines += [f"- {note}" for note in source.notes]
    if source.notes:
        lines.append("")
    lines += ["| column | type | required | meaning |", "|---|---|---|---|"]
    lines += [_column_row(col) for col in source.columns]
    lines.append("")
    return lines


def render() -> str:
    """The whole contract document as Markdown."""
    lines = [
        "# The input contract (landing folder)",
        "",
        "<!-- Generated from orchestration/ingest/contract.py by "
        "`python -m orchestration.ingest.docs`; do not edit by hand. -->",
        "",
        "This is the interface you fill from your own exports. The validator reads the same "
        "declaration this page is generated from, so the two cannot drift apart.",
        "",
        "## Format (every source)",
        "",
        *[f"- {rule}" for rule in _FORMAT_RULES],
        "",
        "## Keys and repeated rows",
        "",
        "Each source has a key. Unless its section says otherwise, a row whose key was loaded "
        "before replaces the earlier one: the row from the later file name wins, and within one "
        "file the later line.",
        "",
        *[f"- {rule}" for rule in _KEY_RULES],
        "",
        "## Sources",
        "",
    ]
    for source in SOURCES:
        lines += _source_section(source)
    lines += [
        "## Rejected rows",
        "",
        "A row that breaks a rule is not loaded: it goes to the quarantine with its file, line, "
        "original values and a reason. The reason lists every broken rule as `code:column`, "
        "joined by `;` (for example `bad_phone:caller_number;bad_integer:talk_seconds`); a row "
        "with the wrong number of fields gives `bad_row_shape:row` and keeps its text as sent. "
        "For every file, rows read = rows accepted + rows rejected.",
        "",
        "| code | meaning |",
        "|---|---|",
        *[f"| `{code}` | {_cell(meaning)} |" for code, meaning in REJECT_REASONS.items()],
        "",
        "## Bad files",
        "",
        "A file that cannot be read at all is skipped while the other files load; it is named, "
        "with its problem, in the run's log and metadata and by a failing check "
        "(`landing_files_readable`). A file that was loaded before and then becomes unreadable "
        "keeps its earlier rows.",
        "",
        "| problem | meaning |",
        "|---|---|",
        *[f"| `{code}` | {_cell(meaning)} |" for code, meaning in BAD_FILE_PROBLEMS.items()],
        "",
    ]
    return "\n".join(lines)


def write(path: Path = CONTRACT_DOC) -> Path:
    """Write the generated contract document; returns its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """`python -m orchestration.ingest.docs [PATH]` writes the contract document."""
    args = sys.argv[1:] if argv is None else argv
    target = write(Path(args[0]) if args else CONTRACT_DOC)
    sys.stdout.write(f"wrote {target}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

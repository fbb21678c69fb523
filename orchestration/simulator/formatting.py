"""Vectorised text rendering for the simulator: phones, timestamps, ids and decimals as Arrow."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SECONDS_PER_DAY = 86_400
_EPOCH = date(1970, 1, 1)


def day_seconds(day: date) -> int:
    """Seconds from the epoch to midnight of `day` on a naive (wall-clock) time line."""
    return (day - _EPOCH).days * SECONDS_PER_DAY


def _str(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.string())


def pad(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(_str(values), width, "0")


def join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def choose(codes: np.ndarray, options: list[pa.Array | str]) -> pa.Array:
    """Element i = options[codes[i]][i]; a string option is used as a constant."""
    n = len(codes)
    arrays = [
        pa.array(np.full(n, o, dtype=object), pa.string()) if isinstance(o, str) else o
        for o in options
    ]
    return pc.choose(pa.array(codes.astype(np.int8)), *arrays)


def phones(national: np.ndarray, style: np.ndarray) -> pa.Array:
    """Render 10-digit Russian national numbers in the styles of `truths.PHONE_FORMATS`."""
    national = national.astype(np.int64)
    area = _str(national // 10_000_000)
    head = pad((national // 10_000) % 1000, 3)
    mid = pad((national // 100) % 100, 2)
    tail = pad(national % 100, 2)
    full = pad(national, 10)
    options = [
        join("+7", full),
        join("+7 (", area, ") ", head, "-", mid, "-", tail),
        join("8 ", area, " ", head, " ", mid, " ", tail),
        join("8", full),
        join("7-", area, "-", head, "-", mid, "-", tail),
        join("8(", area, ")", head, "-", mid, "-", tail),
        join("7", full),
    ]
    return choose(style, options)


def national_of(e164: str) -> int:
    """The 10-digit national part of a Russian E.164 number (`+7XXXXXXXXXX`)."""
    if not (e164.startswith("+7") and len(e164) == 12 and e164[2:].isdigit()):
        raise ValueError(f"not a Russian E.164 number: {e164!r}")
    return int(e164[2:])


def real_local(local_s: np.ndarray, timezone: str) -> np.ndarray:
    """Move wall-clock times that do not exist in `timezone` (a DST gap) forward past the gap."""
    if len(local_s) == 0:
        return local_s
    idx = pd.DatetimeIndex(local_s.astype("datetime64[s]"))
    aware = idx.tz_localize(
        timezone, ambiguous=np.zeros(len(idx), dtype=bool), nonexistent="shift_forward"
    )
    return aware.tz_localize(None).as_unit("s").asi8.astype(np.int64)


def utc_offsets(local_s: np.ndarray, timezone: str) -> np.ndarray:
    """UTC offset in seconds of each wall-clock time (the later one when ambiguous)."""
    if len(local_s) == 0:
        return np.zeros(0, dtype=np.int64)
    idx = pd.DatetimeIndex(local_s.astype("datetime64[s]"))
    aware = idx.tz_localize(
        timezone, ambiguous=np.zeros(len(idx), dtype=bool), nonexistent="shift_forward"
    )
    utc = aware.tz_convert("UTC").tz_localize(None).as_unit("s").asi8
    return local_s - utc


def _offset_text(offsets: np.ndarray) -> pa.Array:
    unique, inverse = np.unique(offsets, return_inverse=True)
    texts = []
    for value in unique:
        sign = "+" if value >= 0 else "-"
        hours, minutes = divmod(abs(int(value)) // 60, 60)
        texts.append(f"{sign}{hours:02d}:{minutes:02d}")
    return lookup(inverse, texts)


def _iso(seconds: np.ndarray) -> pa.Array:
    text = pc.cast(pa.array(seconds.astype("datetime64[s]")), pa.string())  # `YYYY-MM-DD hh:mm:ss`
    return pc.replace_substring(text, " ", "T")


def timestamps(local_s: np.ndarray, style: np.ndarray, timezone: str) -> pa.Array:
    """ISO-8601 text of wall-clock times: style 0 no offset, 1 local offset, 2 UTC with `Z`."""
    local_s = local_s.astype(np.int64)
    offsets = utc_offsets(local_s, timezone)
    plain = _iso(local_s)
    utc = _iso(local_s - offsets)
    return choose(style, [plain, join(plain, _offset_text(offsets)), join(utc, "Z")])


def dates(day_index: np.ndarray, first_day: date) -> pa.Array:
    """`YYYY-MM-DD` text of day offsets from `first_day`."""
    base = np.datetime64(first_day.isoformat(), "D")
    return pa.array(np.datetime_as_string(base + day_index.astype("timedelta64[D]"), unit="D"))


def ids(prefix: str, monday: date, positions: np.ndarray, width: int = 6) -> pa.Array:
    """Ids such as `CT-20260907-000123`: prefix, the week's Monday, a padded position."""
    return join(f"{prefix}-{monday:%Y%m%d}-", pad(positions, width))


def integers(values: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """Whole numbers as text; '' where `present` is False."""
    text = _str(values.astype(np.int64))
    if present is None:
        return text
    return pc.if_else(pa.array(present), text, "")


def money(values: np.ndarray, present: np.ndarray | None = None) -> pa.Array:
    """Decimals with two places (`.` as the decimal mark); '' where `present` is False."""
    cents = np.round(np.nan_to_num(values.astype(np.float64)) * 100).astype(np.int64)
    text = join(_str(cents // 100), ".", pad(cents % 100, 2))
    if present is None:
        return text
    return pc.if_else(pa.array(present), text, "")


def hexes(values: np.ndarray, width: int = 16) -> pa.Array:
    """Lower-case hexadecimal text of non-negative integers, zero-padded to `width`."""
    values = values.astype(np.uint64)
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    shifts = np.arange(width - 1, -1, -1, dtype=np.uint64) * np.uint64(4)
    nibbles = (values[:, None] >> shifts[None, :]) & np.uint64(15)
    chars = digits[nibbles.astype(np.intp)]
    return pa.array(np.ascontiguousarray(chars).view(f"S{width}").ravel().astype(str))


def constant(text: str, n: int) -> pa.Array:
    return pa.array(np.full(n, text, dtype=object), pa.string())


def pick(mask: np.ndarray, yes: pa.Array | str, no: pa.Array | str = "") -> pa.Array:
    """Element-wise `yes` where mask else `no`."""
    return pc.if_else(pa.array(mask.astype(bool)), yes, no)


def lookup(codes: np.ndarray, table: tuple[str, ...] | list[str], missing: str = "") -> pa.Array:
    """Text of small integer codes through `table`; negative codes give `missing`."""
    values = np.array([*table, missing], dtype=object)
    index = np.where(codes < 0, len(table), codes).astype(np.intp)
    return pa.array(values[index], pa.string())

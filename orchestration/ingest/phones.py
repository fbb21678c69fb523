"""Phone numbers to E.164 and their keyed hashes, computed once per distinct raw value.

`phonenumbers` is the reference. For the default region's everyday formats (today Russia's:
`+7 (495) 580-40-84`, `8 495 580 40 84`, `84955804084`, …) an Arrow fast path gives the same
answer without a Python call per number; everything else goes through `phonenumbers`. Property
tests hold the fast path to the reference.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

import duckdb
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

# Distinct raw values remembered across batches and files of one run; cleared when full so memory
# stays bounded however many callers a year of data holds.
DEFAULT_CACHE_SIZE = 500_000

# Russian numbers written the common ways: an optional `+7`, `7` or `8`, a three-digit code
# (optionally in brackets) and seven digits grouped 3-2-2, single spaces or hyphens between
# groups. Codes starting 3, 4, 8 or 9 only (geographic, toll-free and mobile), and never 810,
# which `phonenumbers` reads as the international call prefix; for the rest it reads the digits
# the same way as this pattern does.
_RU_CODE = r"(?:[349]\d{2}|8(?:[02-9]\d|1[1-9]))"
_RU_EVERYDAY = (
    rf"^(?:\+7|7|8)?[ -]?(?:\({_RU_CODE}\)|{_RU_CODE})[ -]?\d{{3}}[ -]?\d{{2}}[ -]?\d{{2}}$"
)
_FAST_PATHS: dict[str, str] = {"RU": _RU_EVERYDAY}
_COUNTRY_CODES: dict[str, str] = {"RU": "+7"}
_HMAC_BLOCK = 64  # SHA-256 block size in bytes


def normalise_phone(raw: str, region: str) -> str | None:
    """E.164 form of `raw` when `phonenumbers` parses it and judges it possible, else None."""
    text = raw.strip()
    if not text:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def fast_normalise(values: pa.Array, region: str) -> pa.Array:
    """E.164 for values in the region's everyday formats, null for every other value."""
    pattern = _FAST_PATHS.get(region)
    if pattern is None or len(values) == 0:
        return pa.nulls(len(values), pa.string())
    matches = pc.fill_null(pc.match_substring_regex(values, pattern), False)
    digits = pc.replace_substring_regex(values, r"[^0-9]", "")
    national = pc.utf8_slice_codeunits(digits, start=-10)
    e164 = pc.binary_join_element_wise(pa.scalar(_COUNTRY_CODES[region]), national, "")
    return pc.if_else(matches, e164, pa.scalar(None, pa.string()))


def phone_key(e164: str, secret: str) -> str:
    """Lower-case hex HMAC-SHA256 of an E.164 number keyed with the run's hash secret."""
    return hmac.new(secret.encode("utf-8"), e164.encode("utf-8"), hashlib.sha256).hexdigest()


def _pads(secret: str) -> tuple[str, str]:
    key = secret.encode("utf-8")
    if len(key) > _HMAC_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_HMAC_BLOCK, b"\0")
    inner = bytes(b ^ 0x36 for b in key).hex()
    outer = bytes(b ^ 0x5C for b in key).hex()
    return inner, outer


def phone_keys(e164: pa.Array, secret: str, con: duckdb.DuckDBPyConnection) -> pa.Array:
    """`phone_key` of every value (null stays null), computed by DuckDB's SHA-256 in bulk."""
    inner, outer = _pads(secret)
    con.register("phone_e164", pa.table({"e164": e164}))
    try:
        result = con.sql(
            f"SELECT CASE WHEN e164 IS NOT NULL THEN sha256(unhex('{outer}') || "
            f"unhex(sha256(unhex('{inner}') || encode(e164)))) END AS k FROM phone_e164"
        ).to_arrow_table()
    finally:
        con.unregister("phone_e164")
    return result.column("k").combine_chunks().cast(pa.string())


def is_hidden(raw: str | None, hidden_values: Iterable[str]) -> bool:
    """True when a phone cell means "the caller hid the number" (empty, `anonymous`, any case)."""
    text = (raw or "").strip().lower()
    return text in {v.lower() for v in hidden_values}


class PhoneBook:
    """Normalises and hashes phone values once per distinct raw string.

    Values in the region's everyday formats are done in bulk; the rest are parsed by
    `phonenumbers` one distinct value at a time and remembered (`parsed` counts those calls).
    """

    def __init__(
        self,
        region: str,
        secret: str,
        con: duckdb.DuckDBPyConnection | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        fast_path: bool = True,
    ) -> None:
        self.region = region
        self.secret = secret
        self.cache_size = cache_size
        self.fast_path = fast_path
        self._con = con or duckdb.connect(":memory:")
        self._cache: dict[str, str | None] = {}
        self.parsed = 0

    def resolve(self, raw: str) -> str | None:
        """E.164 for one raw value through `phonenumbers` (remembered), None when impossible."""
        if raw in self._cache:
            return self._cache[raw]
        e164 = normalise_phone(raw, self.region)
        self.parsed += 1
        if len(self._cache) >= self.cache_size:
            self._cache.clear()
        self._cache[raw] = e164
        return e164

    def normalise(self, distinct: pa.Array) -> pa.Array:
        """E.164 (or null) for each of the given values; bulk where possible."""
        e164 = (
            fast_normalise(distinct, self.region)
            if self.fast_path
            else pa.nulls(len(distinct), pa.string())
        )
        pending = pc.and_(pc.is_null(e164), pc.is_valid(distinct))
        if not pc.any(pending).as_py():
            return e164
        rest = distinct.filter(pending).to_pylist()
        found = pa.array([self.resolve(raw) for raw in rest], pa.string())  # distinct, not rows
        return pc.replace_with_mask(e164, pending, found)

    def lookup(self, values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
        """E.164 and key arrays aligned with `values` (trimmed strings; nulls stay null)."""
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        distinct = pc.unique(values).drop_null()
        e164 = self.normalise(distinct)
        keys = phone_keys(e164, self.secret, self._con)
        positions = pc.index_in(values, value_set=distinct)
        return pc.take(e164, positions), pc.take(keys, positions)

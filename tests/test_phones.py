"""Phone normalisation to E.164, hidden callers and keyed hashes, with property tests."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import phonenumbers
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.contract import HIDDEN_PHONE_VALUES
from orchestration.ingest.phones import (
    PhoneBook,
    fast_normalise,
    is_hidden,
    normalise_phone,
    phone_key,
    phone_keys,
)

SECRET = "test-secret"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+7 (495) 580-40-84", "+74955804084"),
        ("8 495 580 40 84", "+74955804084"),
        ("84955804084", "+74955804084"),
        ("7-495-580-40-84", "+74955804084"),
        ("+79161234567", "+79161234567"),
        ("8(916)123-45-67", "+79161234567"),
        ("  +7 916 123 45 67  ", "+79161234567"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_real_russian_formats_become_e164(raw: str, e164: str) -> None:
    assert normalise_phone(raw, "RU") == e164


@pytest.mark.parametrize("raw", ["", "   ", "abc", "not a phone", "12", "+7 12", "0", "--"])
def test_garbage_is_not_a_number(raw: str) -> None:
    assert normalise_phone(raw, "RU") is None


def test_default_region_decides_numbers_without_country_code() -> None:
    assert normalise_phone("020 7946 0958", "GB") == "+442079460958"
    assert normalise_phone("8 495 580 40 84", "RU") == "+74955804084"


@pytest.mark.parametrize("raw", ["", "anonymous", "Anonymous", " ANONYMOUS "])
def test_hidden_values_are_recognised_in_any_case(raw: str) -> None:
    assert is_hidden(raw, HIDDEN_PHONE_VALUES)


def test_a_number_is_not_hidden() -> None:
    assert not is_hidden("+79161234567", HIDDEN_PHONE_VALUES)


def test_key_is_hmac_sha256_hex_of_e164_with_the_secret() -> None:
    expected = hmac.new(b"test-secret", b"+79161234567", hashlib.sha256).hexdigest()
    assert phone_key("+79161234567", SECRET) == expected
    assert phone_key("+79161234567", "another") != expected
    assert expected == expected.lower() and len(expected) == 64


def test_lookup_aligns_with_values_and_parses_each_distinct_value_once() -> None:
    book = PhoneBook("RU", SECRET, fast_path=False)
    values = pa.array(
        ["8 916 123 45 67", None, "+79161234567", "junk", "8 916 123 45 67", "junk"], pa.string()
    )
    e164, keys = book.lookup(values)
    assert e164.to_pylist() == [
        "+79161234567",
        None,
        "+79161234567",
        None,
        "+79161234567",
        None,
    ]
    assert keys.to_pylist()[0] == phone_key("+79161234567", SECRET)
    assert keys.to_pylist()[1] is None and keys.to_pylist()[3] is None
    assert book.parsed == 3  # three distinct non-null strings
    book.lookup(values)
    assert book.parsed == 3  # remembered across batches


def test_cache_stays_bounded() -> None:
    book = PhoneBook("RU", SECRET, cache_size=2)
    for raw in ["+79161234561", "+79161234562", "+79161234563", "+79161234564"]:
        book.resolve(raw)
    assert len(book._cache) <= 2


def test_everyday_formats_skip_phonenumbers_and_the_rest_do_not() -> None:
    book = PhoneBook("RU", SECRET)
    everyday = ["+7 (495) 580-40-84", "8 495 580 40 84", "84955804084", "7-495-580-40-84"]
    e164, _ = book.lookup(pa.array(everyday))
    assert e164.to_pylist() == ["+74955804084"] * 4
    assert book.parsed == 0
    e164, _ = book.lookup(pa.array(["+44 20 7946 0958", "8 10 44 20 7946 0958", "oops"]))
    assert e164.to_pylist() == ["+442079460958", "+442079460958", None]
    assert book.parsed == 3


def test_the_fast_path_is_only_for_its_region() -> None:
    values = pa.array(["8 495 580 40 84"])
    assert fast_normalise(values, "RU").to_pylist() == ["+74955804084"]
    assert fast_normalise(values, "KZ").to_pylist() == [None]
    assert PhoneBook("GB", SECRET).lookup(values)[0].to_pylist() == [
        normalise_phone("8 495 580 40 84", "GB")
    ]


def test_bulk_keys_equal_one_at_a_time_for_any_secret() -> None:
    numbers = pa.array(["+79161234567", None, "+442079460958"], pa.string())
    con = duckdb.connect()
    for secret in ["s", "ключ-секрет", "x" * 65, ""]:
        expected = [None if n is None else phone_key(n, secret) for n in numbers.to_pylist()]
        assert phone_keys(numbers, secret, con).to_pylist() == expected


# ---- property tests ------------------------------------------------------------------------

# Russian numbers: a three-digit area or mobile code (3xx, 4xx, 8xx, 9xx) and seven digits.
area = st.sampled_from("3489").flatmap(
    lambda first: st.text("0123456789", min_size=2, max_size=2).map(lambda rest: first + rest)
)
subscriber = st.text("0123456789", min_size=7, max_size=7)


def _render(style: int, code: str, sub: str) -> str:
    a, b, c = sub[:3], sub[3:5], sub[5:]
    return [
        f"+7 ({code}) {a}-{b}-{c}",
        f"8 {code} {a} {b} {c}",
        f"8{code}{sub}",
        f"7-{code}-{a}-{b}-{c}",
        f"+7{code}{sub}",
        f"8({code}){a}-{b}-{c}",
        f"7 ({code}) {a} {b} {c}",
        f"{code}{sub}",
    ][style]


@settings(max_examples=300, deadline=None)
@given(code=area, sub=subscriber, style=st.integers(0, 7))
def test_every_russian_format_gives_the_same_e164(code: str, sub: str, style: int) -> None:
    raw = _render(style, code, sub)
    assert normalise_phone(raw, "RU") == f"+7{code}{sub}"


separator = st.sampled_from(["", " ", "-", "  ", ".", "/"])
any_code = st.text("0123456789", min_size=3, max_size=3)


@settings(max_examples=400, deadline=None)
@given(
    prefix=st.sampled_from(["", "+7", "7", "8", "+8", "+", "810", "007"]),
    code=any_code,
    brackets=st.booleans(),
    sub=subscriber,
    seps=st.lists(separator, min_size=4, max_size=4),
)
def test_fast_path_agrees_with_phonenumbers_on_written_numbers(
    prefix: str, code: str, brackets: bool, sub: str, seps: list[str]
) -> None:
    shown = f"({code})" if brackets else code
    raw = f"{prefix}{seps[0]}{shown}{seps[1]}{sub[:3]}{seps[2]}{sub[3:5]}{seps[3]}{sub[5:]}"
    (fast,) = fast_normalise(pa.array([raw]), "RU").to_pylist()
    if fast is not None:
        assert fast == normalise_phone(raw, "RU")


@settings(max_examples=400, deadline=None)
@given(raw=st.text(alphabet="+78()- 0123456789", min_size=8, max_size=20))
def test_fast_path_agrees_with_phonenumbers_on_any_digit_text(raw: str) -> None:
    (fast,) = fast_normalise(pa.array([raw]), "RU").to_pylist()
    if fast is not None:
        assert fast == normalise_phone(raw, "RU")


@settings(max_examples=200, deadline=None)
@given(raw=st.text(max_size=30))
def test_any_text_gives_none_or_a_possible_e164(raw: str) -> None:
    result = normalise_phone(raw, "RU")
    if result is not None:
        assert result.startswith("+") and result[1:].isdigit()
        assert phonenumbers.is_possible_number(phonenumbers.parse(result))


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.none(),
            st.builds(_render, st.integers(0, 7), area, subscriber),
            st.text(alphabet="abc-+ 0123456789()", max_size=14),
        ),
        max_size=40,
    )
)
def test_lookup_equals_one_value_at_a_time(values: list[str | None]) -> None:
    book = PhoneBook("RU", SECRET)
    e164, keys = book.lookup(pa.array(values, pa.string()))
    expected = [None if v is None else normalise_phone(v, "RU") for v in values]
    assert e164.to_pylist() == expected
    assert keys.to_pylist() == [None if e is None else phone_key(e, SECRET) for e in expected]
    assert book.parsed <= len({v for v in values if v is not None})

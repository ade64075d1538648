from __future__ import annotations

from datetime import date

import pytest

from intake_core import codes


def test_tracking_numbers_are_dictation_friendly_and_checked() -> None:
    # Uniqueness is the database's job (unique constraint, a new draw on conflict): 31^5 numbers a
    # day make a repeat among 2,000 draws likely enough that asserting none would be a flaky test.
    numbers = {codes.new_tracking_no(date(2026, 11, 27)) for _ in range(2000)}
    assert len(numbers) > 1990
    for number in numbers:
        assert number.startswith("TS-20261127-") and codes.is_valid_tracking_no(number)
        assert not set(number[12:]) & set("01OIL")


def test_every_single_character_typo_is_caught() -> None:
    number = codes.new_tracking_no(date(2026, 11, 27))
    for position in range(12, 18):
        for replacement in codes.ALPHABET:
            if replacement != number[position]:
                typo = number[:position] + replacement + number[position + 1:]
                assert not codes.is_valid_tracking_no(typo)


def test_adjacent_transpositions_are_caught() -> None:
    for _ in range(200):
        number = codes.new_tracking_no(date(2026, 11, 27))
        tail = number[12:]
        for i in range(len(tail) - 1):
            if tail[i] != tail[i + 1]:
                swapped = tail[:i] + tail[i + 1] + tail[i] + tail[i + 2:]
                assert not codes.is_valid_tracking_no(number[:12] + swapped)


@pytest.mark.parametrize("typed", [
    "{n}", "{lower}", " {n} ", "{spaced}", "{fullwidth}", "{nodash}",
])
def test_typed_tracking_numbers_are_normalized(typed: str) -> None:
    number = codes.new_tracking_no(date(2026, 11, 27))
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in number)
    text = typed.format(n=number, lower=number.lower(), spaced=number.replace("-", " - "),
                        fullwidth=fullwidth, nodash=number.replace("-", ""))
    assert codes.normalize_tracking_no(text) == number


@pytest.mark.parametrize("text", ["", "TS-20261127", "XX-20261127-ABCDEF", "TS-20261127-ABCDE0"])
def test_non_numbers_are_rejected(text: str) -> None:
    assert codes.normalize_tracking_no(text) is None


def test_receipts_are_sixteen_digits_and_verified_by_digest_only() -> None:
    secret = b"s" * 32
    receipt = codes.new_receipt_code()
    assert len(receipt) == 16 and receipt.isdigit()
    digest = codes.receipt_digest(receipt, secret)
    assert receipt not in digest
    assert codes.receipt_matches(codes.normalize_receipt(codes.format_receipt(receipt)) or "", digest, secret)
    assert not codes.receipt_matches(receipt, digest, b"other secret")
    assert codes.normalize_receipt("１２３４ ５６７８ １２３４ ５６７８") == "1234567812345678"
    assert codes.normalize_receipt("123456781234567") is None

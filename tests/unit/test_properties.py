"""Property tests (hypothesis) for what citizens type: tracking numbers, receipts and the field validators.

The example tests live in test_codes.py and test_fields.py; these assert the rules behind them over
generated input: codes survive the ways people retype them and typos are caught; validators never
raise on arbitrary text and whatever they return validates again to itself.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue import fields
from intake_core import codes
from intake_core.model import Kind
from intake_core.taxonomy import Taxonomy

QUICK = settings(max_examples=200, deadline=None, database=None)
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

# Arbitrary text, with control characters, surrogate-free Unicode (CJK included) and typed noise.
ANY_TEXT = st.one_of(
    st.text(),
    st.text(st.characters(codec="utf-8")),
    st.text(st.sampled_from("0123456789０１２３４５６７８９+-() .@/:#转分机TSts\u3000\u200b\x00\r\n\tあ中文")),
)


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@st.composite
def tracking_numbers(draw: st.DrawFn) -> str:
    day = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
    random_part = draw(st.text(st.sampled_from(codes.ALPHABET), min_size=5, max_size=5))
    stamp = day.strftime("%Y%m%d")
    return f"TS-{stamp}-{random_part}{codes.check_character(stamp + random_part)}"


receipts = st.text(st.sampled_from("0123456789"), min_size=16, max_size=16)
separators = st.sampled_from(["", " ", "-", " - ", "\u3000", "－", "—", ".", "_"])


# --- tracking numbers -----------------------------------------------------------------------

@QUICK
@given(tracking_numbers())
def test_a_tracking_number_normalizes_to_itself(number: str) -> None:
    assert codes.is_valid_tracking_no(number)
    assert codes.normalize_tracking_no(number) == number
    assert fields.parse_tracking_no(number) == number
    assert fields.find_tracking_no(f"我的受理编号是{number}，请查一下") == number


@QUICK
@given(tracking_numbers(), st.data())
def test_retyped_tracking_numbers_normalize_back(number: str, data: st.DataObject) -> None:
    symbols = number.replace("-", "")
    joints = data.draw(st.lists(separators, min_size=len(symbols) - 1, max_size=len(symbols) - 1))
    typed = symbols[0] + "".join(sep + ch for sep, ch in zip(joints, symbols[1:], strict=True))
    typed = data.draw(st.sampled_from([typed, typed.lower(), fullwidth(typed), f"  {typed}。"]))
    assert fields.parse_tracking_no(typed) == number


@QUICK
@given(tracking_numbers(), st.integers(12, 17), st.sampled_from(codes.ALPHABET + "0123456789"))
def test_any_single_change_after_the_date_is_caught(number: str, position: int, replacement: str) -> None:
    typo = number[:position] + replacement + number[position + 1:]
    if typo != number:
        assert not codes.is_valid_tracking_no(typo)
        assert codes.normalize_tracking_no(typo) is None


@QUICK
@given(tracking_numbers(), st.integers(12, 16))
def test_any_adjacent_transposition_after_the_date_is_caught(number: str, position: int) -> None:
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2:]
    if swapped != number:
        assert codes.normalize_tracking_no(swapped) is None


@pytest.mark.parametrize("typo", ["TS-22261127-X9933W", "TS-20261327-X9933W", "TS-02261127-X9933W"])
def test_typos_in_the_date_are_caught(typo: str) -> None:
    assert codes.is_valid_tracking_no("TS-20261127-X9933W")
    assert not codes.is_valid_tracking_no(typo)


# --- receipts -------------------------------------------------------------------------------

@QUICK
@given(receipts, st.data())
def test_receipts_survive_full_width_digits_spaces_and_dashes(receipt: str, data: st.DataObject) -> None:
    joints = data.draw(st.lists(separators, min_size=15, max_size=15))
    typed = receipt[0] + "".join(sep + digit for sep, digit in zip(joints, receipt[1:], strict=True))
    typed = data.draw(st.sampled_from([typed, fullwidth(typed), codes.format_receipt(receipt)]))
    assert codes.normalize_receipt(typed) == receipt
    assert fields.parse_receipt(typed) == receipt
    assert fields.find_receipt(f"回执码：{codes.format_receipt(receipt)}，谢谢") == receipt


@QUICK
@given(receipts, st.binary(min_size=1, max_size=64))
def test_a_receipt_matches_its_own_digest_only(receipt: str, secret: bytes) -> None:
    digest = codes.receipt_digest(receipt, secret)
    assert codes.receipt_matches(receipt, digest, secret)
    other = receipt[:-1] + str((int(receipt[-1]) + 1) % 10)
    assert not codes.receipt_matches(other, digest, secret)
    assert receipt not in digest


# --- validators on arbitrary text ----------------------------------------------------------

@QUICK
@given(ANY_TEXT)
def test_normalize_text_is_idempotent_and_clean(text: str) -> None:
    once = fields.normalize_text(text)
    assert fields.normalize_text(once) == once
    assert once == once.strip() and "\r" not in once and "\x00" not in once


@QUICK
@given(ANY_TEXT)
def test_code_validators_never_raise_and_are_idempotent(text: str) -> None:
    number = fields.parse_tracking_no(text)
    assert number is None or (codes.is_valid_tracking_no(number) and fields.parse_tracking_no(number) == number)
    found = fields.find_tracking_no(text)
    assert found is None or fields.parse_tracking_no(found) == found
    receipt = fields.parse_receipt(text)
    assert receipt is None or (len(receipt) == 16 and receipt.isascii() and fields.parse_receipt(receipt) == receipt)
    found = fields.find_receipt(text)
    assert found is None or fields.parse_receipt(found) == found


@QUICK
@given(ANY_TEXT)
def test_contact_validators_never_raise_and_are_idempotent(text: str) -> None:
    for parse, find in ((fields.parse_phone, fields.find_phone),):
        for phone in (parse(text), find(text)):
            if phone is not None:
                again = fields.parse_phone(phone.e164)
                assert again is not None and (again.e164, again.kind) == (phone.e164, phone.kind)
                assert phone.e164.startswith("+") and phone.e164[1:].isdigit()
    for email in (fields.parse_email(text), fields.find_email(text)):
        assert email is None or fields.parse_email(email) == email
    for url in (fields.parse_url(text), fields.find_url(text)):
        assert url is None or (url.startswith(("http://", "https://")) and fields.parse_url(url) == url)


@QUICK
@given(ANY_TEXT)
def test_answer_validators_never_raise(text: str) -> None:
    assert fields.parse_yes_no(text) in (True, False, None)
    assert fields.parse_yes_no(text, numbered=True) in (True, False, None)
    assert isinstance(fields.looks_like_garbage(text), bool)
    assert fields.detect_language(text) in ("zh", "en", "other", "unknown")
    moment = fields.parse_datetime(text, NOW)
    assert moment is None or moment.tzinfo is not None
    clipped, cut = fields.clip(text, 10)
    assert len(clipped) <= 10 and text.startswith(clipped) and cut == (clipped != text)


TAXONOMY = Taxonomy.from_yaml(Path(__file__).resolve().parents[2] / "config" / "categories.yaml")


@QUICK
@given(ANY_TEXT, st.sampled_from(list(Kind)))
def test_category_matching_never_raises_and_names_an_offered_category(text: str, kind: Kind) -> None:
    offered = TAXONOMY.of_kind(kind)
    code = fields.match_category(text, offered)
    assert code is None or code in {category.code for category in offered}


# --- phone numbers --------------------------------------------------------------------------

@QUICK
@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
       st.sampled_from(["", "+86", "+86 ", "0086", "0086 ", "86", "(+86)", "+86-", "＋８６"]),
       st.lists(st.sampled_from(["", " ", "-"]), min_size=2, max_size=2), st.booleans())
def test_chinese_mobiles_written_any_way_give_one_e164(mobile: str, prefix: str, joints: list[str],
                                                       wide: bool) -> None:
    grouped = f"{mobile[:3]}{joints[0]}{mobile[3:7]}{joints[1]}{mobile[7:]}"  # 138 1234 5678
    typed = prefix + (fullwidth(grouped) if wide else grouped)
    phone = fields.parse_phone(typed)
    assert phone is not None and (phone.e164, phone.kind) == ("+86" + mobile, "mobile"), typed
    found = fields.find_phone(f"我的电话是{typed}，白天都在")
    assert found is not None and found.e164 == "+86" + mobile

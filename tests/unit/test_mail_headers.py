"""Headers built from citizen text, reply subjects and tracking numbers found in subjects."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.mail.headers import find_tracking_no, reply_subject, sanitize_header_value
from channels.mail.mime import MimeLimits, parse_message

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
TRACKING = "TS-20261120-K7M3QJ"  # valid check character
WRONG_CHECK = "TS-20261120-K7M3Q3"


def subject_of(name: str) -> str:
    return parse_message((CORPUS / name).read_bytes(), MimeLimits()).subject


def test_header_injection_is_neutralised() -> None:
    value = sanitize_header_value("投诉\r\nBcc: victim@example.com\r\n\r\nbody")
    assert "\r" not in value and "\n" not in value
    assert value == "投诉 Bcc: victim@example.com body"


def test_control_and_bidi_characters_are_removed() -> None:
    assert sanitize_header_value("a\x00b\x07c\x1b[0m\u202egpj.exe\u2028d\x85e") == "a b c [0m gpj.exe d e"


def test_whitespace_is_collapsed_and_length_cut() -> None:
    assert sanitize_header_value("  关于\t\t噪音   的投诉  ") == "关于 噪音 的投诉"
    assert sanitize_header_value("字" * 500) == "字" * 200
    assert sanitize_header_value("abc def", max_len=4) == "abc"


@pytest.mark.parametrize(("original", "tracking_no", "expected"), [
    ("关于噪音的投诉", TRACKING, f"Re: 关于噪音的投诉 [{TRACKING}]"),
    ("Re: Re: RE: 关于噪音的投诉", TRACKING, f"Re: 关于噪音的投诉 [{TRACKING}]"),
    (f"回复：Re[2]: 关于噪音的投诉 [{TRACKING}]", TRACKING, f"Re: 关于噪音的投诉 [{TRACKING}]"),
    (f"AW: 关于噪音的投诉 [{TRACKING.lower()}]", TRACKING, f"Re: 关于噪音的投诉 [{TRACKING.lower()}]"),
    ("关于噪音的投诉", None, "Re: 关于噪音的投诉"),
    ("关于噪音的投诉", "ts 20261120 k7m3qj", f"Re: 关于噪音的投诉 [{TRACKING}]"),
    ("投诉\r\nBcc: x@example.com", None, "Re: 投诉 Bcc: x@example.com"),
    ("", TRACKING, f"Re: [{TRACKING}]"),
])
def test_reply_subject(original: str, tracking_no: str | None, expected: str) -> None:
    assert reply_subject(original, tracking_no) == expected


def test_reply_subject_to_a_real_reply_does_not_stack() -> None:
    subject = subject_of("reply_qqmail_quoted.eml")
    assert reply_subject(subject, TRACKING) == f"Re: 关于小区夜间施工噪音扰民的投诉 [{TRACKING}]"
    assert reply_subject(subject_of("reply_outlook_quoted.eml"), None) == "Re: 物业费纠纷"


def test_long_reply_subject_keeps_the_tracking_tag() -> None:
    subject = reply_subject("很长的标题" * 100, TRACKING)
    assert len(subject) <= 200
    assert subject.endswith(f" [{TRACKING}]") and subject.startswith("Re: 很长的标题")


@pytest.mark.parametrize(("subject", "expected"), [
    (f"Re: Noise complaint [{TRACKING}]", TRACKING),
    (TRACKING.lower(), TRACKING),
    ("查询 TS 20261120 K7M3QJ 的进度", TRACKING),
    ("查询进度ＴＳ－２０２６１１２０－Ｋ７Ｍ３ＱＪ。", TRACKING),
    (f"查询 {WRONG_CHECK}", None),
    ("XTS-20261120-K7M3QJ", None),
    (f"{TRACKING}9", None),
    ("关于噪音的投诉", None),
    ("", None),
])
def test_find_tracking_no(subject: str, expected: str | None) -> None:
    assert find_tracking_no(subject) == expected


@pytest.mark.parametrize("name", ["tracking_number_subject.eml", "reply_qqmail_quoted.eml", "reply_gmail_english.eml"])
def test_tracking_number_from_a_received_subject(name: str) -> None:
    assert find_tracking_no(subject_of(name)) == TRACKING


def test_first_valid_tracking_number_wins() -> None:
    assert find_tracking_no(f"{WRONG_CHECK} / {TRACKING}") == TRACKING

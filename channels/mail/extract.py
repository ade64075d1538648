"""Find, in the free text of an email, the short answers the intake form asks for one at a time.

The dialogue validates every answer itself; these finders only cut the candidate out of a long
message (a URL, a phone number, a date phrase), so that a whole email can answer several
questions. What they cannot find with confidence is left for the citizen to answer.
"""

from __future__ import annotations

import re

KIND_PAYLOADS = {"complaint": "/start_complaint", "report": "/start_report", None: "/inform"}
CONFIRM_ANSWER = {"zh": "是", "en": "yes"}
_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'，。；、）)】]+")
_EMAIL = re.compile(r"(?i)(?<![\w.+-])[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+")
# Mainland mobile numbers and landlines with area code, with the usual separators.
_PHONE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(?:1[3-9]\d(?:[\s-]?\d{4}){2}|0\d{2,3}[\s-]?\d{7,8})(?!\d)")
_DATE = re.compile(
    r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号](?:\s*(?:凌晨|早上|上午|中午|下午|傍晚|晚上)?\s*\d{1,2}\s*[点时:：]"
    r"(?:\s*\d{1,2}\s*分?)?)?"
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[ T]\d{1,2}:\d{2})?"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号](?:\s*(?:凌晨|早上|上午|中午|下午|傍晚|晚上)?\s*\d{1,2}\s*[点时])?"
    r"|(?:今天|昨天|前天|大前天|上周[一二三四五六日天]|\d+\s*天前)(?:\s*(?:凌晨|早上|上午|中午|下午|傍晚|晚上))?"
    r"(?:\s*\d{1,2}\s*[点时])?"
    r"|(?i:\b(?:yesterday|today|last\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|\d{1,2}\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d{4}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d{1,2},?\s+\d{4})\b"
    r"(?:\s+at\s+\d{1,2}(?::\d{2})?\s*(?:am|pm)?)?)")
_NAME = re.compile(r"(?:我叫|我的名字是|本人|姓名\s*[:：]|名字\s*[:：]|联系人\s*[:：])\s*([\u4e00-\u9fff·]{2,6})"
                   r"|(?i:\bmy name is\s+)([A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2})")
_NOT_ANONYMOUS = ("不匿名", "实名", "不用匿名", "not anonymous", "real name")
_ANONYMOUS = ("匿名", "anonymous", "anonymously")


def kind_of(text: str) -> str | None:
    """"complaint" or "report" when the email says which (and not both), else None."""
    lowered = text.lower()
    report = "举报" in lowered or re.search(r"\breport", lowered) is not None
    complaint = "投诉" in lowered or re.search(r"\bcomplain", lowered) is not None
    if report != complaint:
        return "report" if report else "complaint"
    return None


def find_url(text: str) -> str | None:
    match = _URL.search(text)
    return match.group(0).rstrip(".,;:!?") if match else None


def find_email(text: str) -> str | None:
    match = _EMAIL.search(text)
    return match.group(0) if match else None


def find_phone(text: str) -> str | None:
    match = _PHONE.search(text)
    return match.group(0) if match else None


def find_time(text: str) -> str | None:
    match = _DATE.search(text)
    return match.group(0).strip() if match else None


def find_name(text: str) -> str | None:
    match = _NAME.search(text)
    if not match:
        return None
    name = match.group(1) or match.group(2)
    return f"我叫{name}" if match.group(1) else f"My name is {name}"


def anonymity_answer(text: str, locale: str) -> str | None:
    """What to answer "anonymous?" with, when the email says so or leaves contact details."""
    lowered = text.lower()
    if any(word in lowered for word in _NOT_ANONYMOUS):
        return "不匿名" if locale == "zh" else "not anonymous"
    if any(word in lowered for word in _ANONYMOUS):
        return "匿名" if locale == "zh" else "anonymous"
    if find_name(text) and (find_phone(text) or find_email(text)):
        return "不匿名" if locale == "zh" else "not anonymous"
    return None


def candidates_for(slot: str, text: str, locale: str) -> list[str]:
    """Answers to try in order: for the category the first line (a subject says it best), then the
    whole text; the dialogue looks for a category name or synonym inside and refuses ambiguity."""
    if slot == "category":
        first_line = text.strip().split("\n", 1)[0].strip()
        return list(dict.fromkeys(t for t in (first_line, text) if t.strip()))
    found = answer_for(slot, text, locale)
    return [found] if found else []


def answer_for(slot: str, text: str, locale: str) -> str | None:
    """The part of `text` that answers `slot`, or None when the email does not say."""
    if slot == "category":
        return text
    if slot == "description":
        return text
    if slot == "target":
        return find_url(text)
    if slot == "occurred_at":
        return find_time(text)
    if slot == "anonymous":
        return anonymity_answer(text, locale)
    if slot == "reporter_name":
        return find_name(text)
    if slot == "reporter_phone":
        return find_phone(text) or find_email(text)
    if slot == "reporter_email":
        return find_email(text) or find_phone(text)
    if slot == "confirmed":
        # Sending the email is the submission; the acknowledgement shows what was registered.
        return CONFIRM_ANSWER.get(locale, "是")
    return None


def mostly_english(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) < 20:
        return False
    return sum(1 for ch in letters if ch.isascii()) / len(letters) > 0.9

"""When did it happen: dates and times as citizens write them, in Chinese and English.

Standard library only and Python 3.10 compatible: the Rasa action server imports this
module (through ``dialogue.fields``) to validate what citizens type.

The parser looks for one date part (absolute, relative or a weekday), one time-of-day
part (an explicit time and/or a period such as 下午 / "evening") and combines them in
the time zone of ``now``. The answer is always in the past: a month/day without a year
that lies ahead is last year's, a time without a date that lies ahead is yesterday's,
and anything else later than ``now`` (plus a few minutes of clock skew) is rejected.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

Precision = Literal["minute", "hour", "part_of_day", "day", "week", "month", "year"]

FUTURE_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class ParsedDateTime:
    """A parsed point in time and how precise the citizen was."""

    value: datetime
    precision: Precision


class _Invalid(Exception):
    """The text names a date, but an impossible or future one."""


# --- numbers ---------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_EN_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "a few": 3, "few": 3, "several": 3, "a couple of": 2,
    "a couple": 2, "couple of": 2,
}


def chinese_number(text: str) -> int | None:
    """Value of a number written in digits or Chinese numerals (三, 十二, 二十三, 两, 二〇二六)."""
    s = unicodedata.normalize("NFKC", text).strip()
    if not s:
        return None
    if s.isascii() and s.isdigit():
        return int(s)
    if any(ch in _CN_UNITS for ch in s):
        total = current = 0
        for ch in s:
            if ch in _CN_DIGITS:
                current = _CN_DIGITS[ch]
            elif ch in _CN_UNITS:
                total += (current or 1) * _CN_UNITS[ch]
                current = 0
            else:
                return None
        return total + current
    if all(ch in _CN_DIGITS for ch in s):
        return int("".join(str(_CN_DIGITS[ch]) for ch in s))
    return None


def _number(text: str) -> float | None:
    s = text.strip()
    if s in ("半", "half a", "half an"):
        return 0.5
    if s in ("几", "a few", "few", "several"):
        return 3
    if s in _EN_NUMBERS:
        return _EN_NUMBERS[s]
    return chinese_number(s)


# --- vocabulary --------------------------------------------------------------------

_NUM = r"(?:\d{1,4}|[零〇○一二两三四五六七八九十百]{1,6})"
_EN_NUM = "|".join(sorted((re.escape(w) for w in _EN_NUMBERS), key=len, reverse=True))
_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
           "sep": 9, "oct": 10, "nov": 11, "dec": 12}
_MONTH_RE = (r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
             r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?")
_WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
                "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_WEEKDAYS_EN = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4,
                "saturday": 5, "sunday": 6}
_WEEK_OFFSETS = {"上上": -2, "上": -1, "这": 0, "本": 0, "下": 1, "last": -1, "previous": -1,
                 "past": -1, "this": 0}

# Canonical periods of the day: (default hour, hour the period starts).
_PERIODS: dict[str, tuple[int, int]] = {
    "early": (3, 0), "dawn": (7, 5), "morning": (9, 6), "noon": (12, 11), "afternoon": (15, 12),
    "dusk": (18, 17), "evening": (20, 18), "night": (22, 20), "late_night": (23, 22),
    "midnight": (24, 23),
}
_PERIOD_WORDS = {
    "凌晨": "early", "清晨": "dawn", "早晨": "dawn", "早上": "dawn", "一早": "dawn", "大早上": "dawn",
    "上午": "morning", "morning": "morning", "中午": "noon", "noon": "noon", "midday": "noon",
    "午后": "afternoon", "下午": "afternoon", "afternoon": "afternoon", "傍晚": "dusk",
    "晚上": "evening", "晚间": "evening", "夜晚": "evening", "evening": "evening", "夜里": "night",
    "夜间": "night", "night": "night", "半夜": "late_night", "深夜": "late_night", "午夜": "midnight",
    "midnight": "midnight",
}
_PERIOD_RE = re.compile(
    "|".join(sorted((re.escape(w) if not w.isascii() else rf"\b{w}\b" for w in _PERIOD_WORDS),
                    key=len, reverse=True)))

# Relative day words: (days from today, period implied).
_DAY_WORDS: dict[str, tuple[int, str | None]] = {
    "大前天": (-3, None), "前天": (-2, None), "前晚": (-2, "evening"), "前夜": (-2, "night"),
    "昨天": (-1, None), "昨日": (-1, None), "昨儿个": (-1, None), "昨儿": (-1, None),
    "昨晚": (-1, "evening"), "昨夜": (-1, "night"), "昨早": (-1, "dawn"), "昨晨": (-1, "dawn"),
    "今天": (0, None), "今日": (0, None), "今儿个": (0, None), "今儿": (0, None), "当天": (0, None),
    "今早": (0, "dawn"), "今晨": (0, "dawn"), "今晚": (0, "evening"),
    "the day before yesterday": (-2, None), "yesterday": (-1, None), "last night": (-1, "night"),
    "today": (0, None), "earlier today": (0, None), "tonight": (0, "night"),
    "this morning": (0, "morning"), "this afternoon": (0, "afternoon"), "this evening": (0, "evening"),
}
_DAY_WORD_RE = re.compile(
    "|".join(sorted((re.escape(w) if not w.isascii() else rf"\b{w}\b" for w in _DAY_WORDS),
                    key=len, reverse=True)))
_JUST_NOW_RE = re.compile(r"刚才|刚刚|方才|现在|此刻|\bjust now\b|\bright now\b|\bmoments? ago\b|^now$")


# --- helpers -------------------------------------------------------------------------

def _safe_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _Invalid from None


def _shift_months(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _full_year(text: str) -> int:
    value = chinese_number(text)
    if value is None:
        raise _Invalid
    return value + 2000 if value < 100 else value


def _infer_year(today: date, month: int, day: int) -> date:
    """Month and day without a year: this year's, or last year's when it is still ahead."""
    if not 1 <= month <= 12:
        raise _Invalid
    try:
        candidate = date(today.year, month, day)
    except ValueError:
        candidate = None
    if candidate is None or candidate > today:
        return _safe_date(today.year - 1, month, day)
    return candidate


def _day_first(locale_hint: str | None) -> bool:
    """Whether 05/11/2026 is the 5th of November (en-GB and most of the world) or May 11th."""
    if not locale_hint:
        return False
    hint = locale_hint.lower().replace("_", "-")
    return not (hint.startswith(("zh", "ja", "ko")) or hint in ("en", "en-us", "en-ph"))


@dataclass
class _DatePart:
    day: date
    precision: Precision
    period: str | None = None


_DateRule = Callable[[re.Match[str], date, "str | None"], _DatePart]
_RULES: list[tuple[re.Pattern[str], _DateRule]] = []


def _rule(pattern: str) -> Callable[[_DateRule], _DateRule]:
    def register(handler: _DateRule) -> _DateRule:
        _RULES.append((re.compile(pattern), handler))
        return handler
    return register


# --- date rules, most specific first ---------------------------------------------------------

@_rule(r"(?<!\d)(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?!\d)")
def _iso_date(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    return _DatePart(_safe_date(int(m[1]), int(m[2]), int(m[3])), "day")


@_rule(r"(?<![\d.:/-])(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?![\d.:/-])")
def _numeric_date(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    first, second, year = int(m[1]), int(m[2]), _full_year(m[3])
    day_first = first > 12 or (second <= 12 and _day_first(hint))
    month, day = (second, first) if day_first else (first, second)
    return _DatePart(_safe_date(year, month, day), "day")


@_rule(rf"(\d{{2,4}}|[零〇○一二三四五六七八九]{{2,4}})\s*年\s*({_NUM})\s*月\s*({_NUM})\s*(?:[日号]|(?![\d点时:分]))")
def _zh_full_date(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    return _DatePart(_safe_date(_full_year(m[1]), chinese_number(m[2]) or 0, chinese_number(m[3]) or 0), "day")


@_rule(rf"\b{_MONTH_RE}\s*(\d{{1,2}})(?:st|nd|rd|th)?\b(?:\s*,?\s*(\d{{4}})(?![\d:]))?")
def _en_month_day(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    month, day = _MONTHS[m[1][:3]], int(m[2])
    if m[3]:
        return _DatePart(_safe_date(int(m[3]), month, day), "day")
    return _DatePart(_infer_year(today, month, day), "day")


@_rule(rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_RE}(?:\s*,?\s*(\d{{4}})(?![\d:]))?")
def _en_day_month(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    month, day = _MONTHS[m[2][:3]], int(m[1])
    if m[3]:
        return _DatePart(_safe_date(int(m[3]), month, day), "day")
    return _DatePart(_infer_year(today, month, day), "day")


@_rule(rf"(去|今|前)年\s*({_NUM})\s*月(?:份)?(?:\s*({_NUM})\s*[日号]?)?")
def _zh_relative_year_date(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    year = today.year + {"去": -1, "今": 0, "前": -2}[m[1]]
    month = chinese_number(m[2]) or 0
    if not 1 <= month <= 12:
        raise _Invalid
    if m[3]:
        return _DatePart(_safe_date(year, month, chinese_number(m[3]) or 0), "day")
    return _DatePart(_safe_date(year, month, 1), "month")


@_rule(rf"(\d{{4}}|[零〇○一二三四五六七八九]{{4}})\s*年\s*({_NUM})\s*月")
def _zh_year_month(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    return _DatePart(_safe_date(_full_year(m[1]), chinese_number(m[2]) or 0, 1), "month")


@_rule(rf"\b{_MONTH_RE}\s*,?\s*(\d{{4}})\b")
def _en_month_year(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    return _DatePart(_safe_date(int(m[2]), _MONTHS[m[1][:3]], 1), "month")


@_rule(rf"(上上|上|这|本)\s*个?\s*月\s*(?:的)?\s*({_NUM})\s*[日号]")
def _zh_relative_month_day(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    year, month = _shift_months(today, _WEEK_OFFSETS[m[1]])
    return _DatePart(_safe_date(year, month, chinese_number(m[2]) or 0), "day")


@_rule(rf"(?<![\d个])({_NUM})\s*月\s*({_NUM})\s*(?:[日号]|(?![\d点时:分]))")
def _zh_month_day(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    return _DatePart(_infer_year(today, chinese_number(m[1]) or 0, chinese_number(m[2]) or 0), "day")


@_rule(r"(?<!\d)(\d{1,2})/(\d{1,2})(?![\d/])|^(\d{1,2})[.-](\d{1,2})(?=\s|$)")
def _numeric_month_day(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    first, second = int(m[1] or m[3]), int(m[2] or m[4])
    day_first = first > 12 or (second <= 12 and _day_first(hint))
    month, day = (second, first) if day_first else (first, second)
    return _DatePart(_infer_year(today, month, day), "day")


@_rule(r"(上上|上|这|本)\s*个?\s*月|\b(last|this)\s+month\b")
def _relative_month(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    year, month = _shift_months(today, _WEEK_OFFSETS[m[1] or m[2]])
    return _DatePart(date(year, month, 1), "month")


_PART_OF_MONTH = {"初": 1, "上旬": 5, "中旬": 15, "下旬": 25, "底": 28, "末": 28}


@_rule(rf"(?<![\d个])({_NUM})\s*月份?\s*(初|上旬|中旬|下旬|底|末)?|\b(?:in|during|last|this)\s+{_MONTH_RE}")
def _month_only(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    month = chinese_number(m[1]) if m[1] else _MONTHS[m[3][:3]]
    if month is None or not 1 <= month <= 12:
        raise _Invalid
    year = today.year if month <= today.month else today.year - 1
    day = date(year, month, _PART_OF_MONTH[m[2]]) if m[2] else date(year, month, 1)
    return _DatePart(min(day, today), "month")


@_rule(rf"(?<![\d月])({_NUM})\s*[日号](?![线楼房门床口院码机位])|\bthe\s+(\d{{1,2}})(?:st|nd|rd|th)\b")
def _day_only(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    day = chinese_number(m[1] or m[2]) or 0
    if not 1 <= day <= 31:
        raise _Invalid
    if day <= today.day:
        return _DatePart(_safe_date(today.year, today.month, day), "day")
    year, month = _shift_months(today, -1)
    return _DatePart(_safe_date(year, month, day), "day")


@_rule(_DAY_WORD_RE.pattern)
def _day_word(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    offset, period = _DAY_WORDS[m[0]]
    return _DatePart(today + timedelta(days=offset), "day", period)


@_rule(r"(上上|上|这|本|下)?\s*个?\s*(?:周|星期|礼拜)\s*([一二三四五六日天1-7])")
def _zh_weekday(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    monday = today - timedelta(days=today.weekday())
    weekday = _WEEKDAYS_ZH[m[2]]
    if m[1]:
        return _DatePart(monday + timedelta(weeks=_WEEK_OFFSETS[m[1]], days=weekday), "day")
    day = monday + timedelta(days=weekday)
    return _DatePart(day if day <= today else day - timedelta(weeks=1), "day")


@_rule(r"\b(?:(last|this|past|previous|on)\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
       r"\b(\s+last\s+week)?|\blast\s+week\s+(?:on\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b")
def _en_weekday(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    monday = today - timedelta(days=today.weekday())
    if m[4] or m[3]:
        return _DatePart(monday - timedelta(weeks=1) + timedelta(days=_WEEKDAYS_EN[m[4] or m[2]]), "day")
    weekday = _WEEKDAYS_EN[m[2]]
    if m[1] == "this":
        return _DatePart(monday + timedelta(days=weekday), "day")
    back = (today.weekday() - weekday) % 7
    if back == 0 and m[1] in ("last", "past", "previous"):
        back = 7
    return _DatePart(today - timedelta(days=back), "day")


@_rule(r"(上上|上|这|本)?\s*个?\s*(?:周末|礼拜天?末)|\b(last|this|past)?\s*weekend\b")
def _weekend(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    monday = today - timedelta(days=today.weekday())
    which = m[1] or m[2]
    if which:
        return _DatePart(monday + timedelta(weeks=_WEEK_OFFSETS[which], days=5), "day")
    saturday = monday + timedelta(days=5)
    return _DatePart(saturday if saturday <= today else saturday - timedelta(weeks=1), "day")


@_rule(r"(上上|上|这|本)\s*个?\s*(?:周|星期|礼拜)|\b(last|this|past)\s+week\b")
def _relative_week(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    monday = today - timedelta(days=today.weekday())
    return _DatePart(monday + timedelta(weeks=_WEEK_OFFSETS[m[1] or m[2]]), "week")


@_rule(r"(去|今|前)年|\b(last|this)\s+year\b|(?<!\d)(\d{4})\s*年|\bin\s+(\d{4})\b")
def _year_only(m: re.Match[str], today: date, hint: str | None) -> _DatePart:
    if m[3] or m[4]:
        return _DatePart(_safe_date(int(m[3] or m[4]), 1, 1), "year")
    offset = {"去": -1, "今": 0, "前": -2, "last": -1, "this": 0}[m[1] or m[2]]
    return _DatePart(date(today.year + offset, 1, 1), "year")


# --- relative durations ("三天前", "3 hours ago") -----------------------------------------

_AGO_ZH = re.compile(
    rf"({_NUM}|几|半)\s*个?\s*(半)?\s*个?\s*(分钟|小时|钟头|天|周|星期|礼拜|月|年)\s*(?:之|以)?前"
    r"|前(几|两|一两|两三)天|几天前")
_AGO_EN = re.compile(
    rf"\b(\d+|half an?|{_EN_NUM})\s+(minute|min|hour|hr|day|week|month|year)s?\s+ago\b")
_UNITS = {"分钟": "minute", "小时": "hour", "钟头": "hour", "天": "day", "周": "week", "星期": "week",
          "礼拜": "week", "月": "month", "年": "year", "min": "minute", "hr": "hour"}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


def _ago(s: str, now: datetime) -> tuple[ParsedDateTime | _DatePart | None, str]:
    """A duration back from now: a datetime for minutes/hours, a date part for longer spans."""
    m = _AGO_ZH.search(s) or _AGO_EN.search(s)
    if not m:
        return None, s
    rest = s[:m.start()] + " " * len(m[0]) + s[m.end():]
    today = now.date()
    if m.re is _AGO_ZH and m[1] is None:  # 前几天 / 前两天 / 几天前
        return _DatePart(today - timedelta(days=2 if m[4] in ("两", "一两") else 3), "day"), rest
    amount = _number(m[1])
    if amount is None:
        raise _Invalid
    if m.re is _AGO_ZH and m[2]:
        amount += 0.5  # 一个半小时前
    word = m[2] if m.re is _AGO_EN else m[3]
    unit = _UNITS.get(word, word)
    if unit == "minute":
        return ParsedDateTime(now - timedelta(minutes=amount), "minute"), rest
    if unit == "hour":
        return ParsedDateTime(now - timedelta(hours=amount), "minute" if amount < 1 else "hour"), rest
    if amount != int(amount) or unit == "day":
        return _DatePart(today - timedelta(days=round(amount * _UNIT_DAYS[unit])), "day"), rest
    if unit == "week":
        return _DatePart(today - timedelta(weeks=int(amount)), "week"), rest
    months = int(amount) * (12 if unit == "year" else 1)
    year, month = _shift_months(today, -months)
    return _DatePart(_clamped_date(year, month, today.day), "month" if unit == "month" else "year"), rest


def _clamped_date(year: int, month: int, day: int) -> date:
    while day > 28:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1
    return date(year, month, day)


# --- time of day --------------------------------------------------------------------------

_TIME_RULES = [
    # 3:30pm, 3 pm, 15:30, 9.30am
    re.compile(r"(?<![\d:.])(\d{1,2})(?:[:.](\d{2}))?\s*(a\.?m\.?|p\.?m\.?)(?![a-z])"),
    re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?::\d{2})?(?![\d:])"),
    # 三点, 3点半, 十点一刻, 15时30分, 三点钟, 两点零五
    re.compile(rf"(?<![有差])({_NUM})\s*(?:点|时|點)(?![点儿])\s*钟?\s*"
               rf"(?:(半)|([一三13])刻|({_NUM})\s*分?)?"),
    re.compile(rf"\b(\d{{1,2}}|{_EN_NUM})\s*o'?\s*clock\b|\b(?:at|around|about)\s+(\d{{1,2}})\b(?![:.\d/-])"),
]


@dataclass
class _TimePart:
    hour: int
    minute: int
    explicit_minute: bool
    meridiem: str | None = None  # "am" / "pm"
    ambiguous: bool = False  # no period, no am/pm: 1..6 may be afternoon


def _time(s: str) -> tuple[_TimePart | None, str]:
    for index, pattern in enumerate(_TIME_RULES):
        m = pattern.search(s)
        if not m:
            continue
        rest = s[:m.start()] + " " * len(m[0]) + s[m.end():]
        if index == 0:
            part = _TimePart(int(m[1]), int(m[2] or 0), m[2] is not None, "pm" if m[3][0] == "p" else "am")
        elif index == 1:
            part = _TimePart(int(m[1]), int(m[2]), True)
        elif index == 2:
            hour = chinese_number(m[1])
            minute: int | None = 0
            if m[2]:
                minute = 30
            elif m[3]:
                minute = 15 if m[3] in "一1" else 45
            elif m[4]:
                minute = chinese_number(m[4])
            if hour is None or minute is None:
                raise _Invalid
            part = _TimePart(hour, minute, bool(m[2] or m[3] or m[4]), ambiguous=1 <= hour <= 6)
        else:
            value = _number(m[1] or m[2])
            if value is None:
                raise _Invalid
            part = _TimePart(int(value), 0, False, ambiguous=1 <= value <= 6)
        if part.hour > 24 or part.minute > 59 or (part.meridiem and not 1 <= part.hour <= 12):
            raise _Invalid
        return part, rest
    return None, s


def _apply_period(hour: int, period: str | None, meridiem: str | None) -> int:
    """24-hour clock value of an hour said with a period; 24+ means the early hours of the next day."""
    if meridiem == "am":
        return 0 if hour == 12 else hour
    if meridiem == "pm":
        return hour if hour == 12 else hour + 12
    if period is None or hour > 12:
        return hour
    if period == "early":
        return 0 if hour == 12 else hour
    if period == "noon":
        return hour + 12 if 1 <= hour <= 5 else hour
    if period == "afternoon":
        return hour if hour == 12 else hour + 12
    if period in ("dusk", "evening", "night"):
        return hour + 24 if 1 <= hour <= 4 else hour + 12
    if period in ("late_night", "midnight"):
        return hour + 24 if hour <= 6 else hour + 12
    return hour  # dawn, morning


# --- entry points ---------------------------------------------------------------------------

def _prepare(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"\s+", " ", s).strip()


def parse_datetime_detail(text: str, now: datetime, locale_hint: str | None = None) -> ParsedDateTime | None:
    """Like :func:`parse_datetime`, also telling how precise the answer was."""
    s = _prepare(text)
    if not s:
        return None
    try:
        return _parse(s, now, locale_hint)
    except _Invalid:
        return None


def parse_datetime(text: str, now: datetime, locale_hint: str | None = None) -> datetime | None:
    """The past moment a citizen describes ("昨天下午三点", "last Monday", "2026-11-20"), or None.

    ``now`` must be timezone-aware; the result carries its tzinfo. ``locale_hint`` ("en-GB",
    "en-US", "zh-CN") only decides whether 05/11 is day first. Dates without a time are
    midnight; a period without an hour takes a typical hour (下午 = 15:00).
    """
    parsed = parse_datetime_detail(text, now, locale_hint)
    return parsed.value if parsed else None


_ISO_RE = re.compile(r"(\d{4}-\d{2}-\d{2})t(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(z|[+-]\d{2}:?\d{2})?")


def _parse(s: str, now: datetime, hint: str | None) -> ParsedDateTime | None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    iso = _ISO_RE.search(s)
    if iso:
        return _checked(_from_iso(iso, now), "minute", now)
    ago, s = _ago(s, now)
    if isinstance(ago, ParsedDateTime):
        return ago
    part = ago
    if part is None:
        for pattern, handler in _RULES:
            m = pattern.search(s)
            if m:
                part = handler(m, now.date(), hint)
                s = s[:m.start()] + " " * len(m[0]) + s[m.end():]
                break
    clock, s = _time(s)
    period_match = _PERIOD_RE.search(s)
    period = _PERIOD_WORDS[period_match[0]] if period_match else (part.period if part else None)
    if part is None and clock is None and period is None:
        return ParsedDateTime(now, "minute") if _JUST_NOW_RE.search(s) else None
    return _combine(part, clock, period, now)


def _from_iso(m: re.Match[str], now: datetime) -> datetime:
    offset = m[3]
    if offset == "z":
        offset = "+00:00"
    elif offset and ":" not in offset:
        offset = offset[:3] + ":" + offset[3:]
    try:
        value = datetime.fromisoformat(f"{m[1]}T{m[2]}{offset or ''}")
    except ValueError:
        raise _Invalid from None
    return value.astimezone(now.tzinfo) if value.tzinfo else value.replace(tzinfo=now.tzinfo)


def _combine(part: _DatePart | None, clock: _TimePart | None, period: str | None,
             now: datetime) -> ParsedDateTime | None:
    today = now.date()
    day = part.day if part else today
    if clock is None and period is None:
        assert part is not None
        return _checked(datetime.combine(day, time(0), tzinfo=now.tzinfo), part.precision, now)
    if clock is None:
        assert period is not None
        default_hour, start_hour = _PERIODS[period]
        value = _at(day, default_hour, 0, now)
        if value > now + FUTURE_TOLERANCE and value.date() == today and now.hour >= start_hour:
            return ParsedDateTime(now, "part_of_day")  # "this afternoon", said this afternoon
        if value > now + FUTURE_TOLERANCE and part is None:
            value -= timedelta(days=1)
        return _checked(value, "part_of_day", now)
    precision: Precision = "minute" if clock.explicit_minute else "hour"
    hours = [_apply_period(clock.hour, period, clock.meridiem)]
    if clock.ambiguous and period is None and clock.meridiem is None:
        hours.insert(0, clock.hour + 12)  # 三点 alone: rather 15:00 than 03:00, unless that is ahead
    days = [day] if part else [today, today - timedelta(days=1)]
    for candidate_day in days:
        for hour in hours:
            value = _at(candidate_day, hour, clock.minute, now)
            if value <= now + FUTURE_TOLERANCE:
                return ParsedDateTime(value, precision)
    return None


def _at(day: date, hour: int, minute: int, now: datetime) -> datetime:
    extra, hour = divmod(hour, 24)
    return datetime.combine(day + timedelta(days=extra), time(hour, minute), tzinfo=now.tzinfo)


def _checked(value: datetime, precision: Precision, now: datetime) -> ParsedDateTime | None:
    if value > now + FUTURE_TOLERANCE or value.year < 1900:
        return None
    return ParsedDateTime(value, precision)

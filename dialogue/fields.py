"""Shared validators and normalizers for what citizens type into any channel.

Standard library only and Python 3.10 compatible: both the service (embedded dialogue engine)
and the Rasa action server (Python 3.10) import this module, so both engines accept and
normalize exactly the same answers. Every function is pure.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

from dialogue.datetimes import ParsedDateTime, chinese_number, parse_datetime, parse_datetime_detail
from intake_core.codes import normalize_receipt, normalize_tracking_no

__all__ = [
    "CategoryLike", "ParsedDateTime", "Phone", "PhoneKind", "clip", "detect_language", "find_email",
    "find_phone", "find_receipt", "find_tracking_no", "find_url", "looks_like_garbage", "match_category",
    "normalize_text", "parse_datetime", "parse_datetime_detail", "parse_email", "parse_phone",
    "parse_receipt", "parse_tracking_no", "parse_url", "parse_yes_no",
]

_EDGE_PUNCTUATION = " \t\n.,;:!?\"'`()[]{}<>。，、；：！？“”‘’（）【】《》「」『』"


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff" \
        or "\U00020000" <= ch <= "\U0003134f"


# --- text -----------------------------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200e\u200f\u2060\ufeff\u00ad"))
_LINE_BREAKS = str.maketrans({"\r": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"})


def normalize_text(text: str) -> str:
    """NFKC (full-width digits, letters and spaces to half-width), drop control characters
    except newline and tab, collapse runs of spaces, strip."""
    s = unicodedata.normalize("NFKC", text.replace("\r\n", "\n")).translate(_LINE_BREAKS)
    s = "".join(ch for ch in s.translate(_INVISIBLE)
                if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs"))
    s = re.sub(r"[^\S\n\t]+", " ", s)
    return re.sub(r" *\n *", "\n", s).strip()


def clip(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to at most ``limit`` characters, and whether it was cut.

    Never cuts inside a combining sequence or an emoji joined with ZWJ.
    """
    if limit < 0:
        raise ValueError("limit must not be negative")
    if len(text) <= limit:
        return text, False
    cut = limit
    while cut > 0 and (unicodedata.combining(text[cut]) or text[cut] in "\u200d\ufe0f"
                       or text[cut - 1] == "\u200d" or "\U0001f3fb" <= text[cut] <= "\U0001f3ff"):
        cut -= 1
    return text[:cut], True


def looks_like_garbage(text: str) -> bool:
    """True for binary junk, text that is mostly control or replacement characters, and text
    with no letters, digits or emoji at all ("???", "...")."""
    if not text.strip() or "\x00" in text:
        return True
    bad = sum(1 for ch in text if ch == "\ufffd" or (unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")
                                                     and ch not in "\n\r\t"))
    if bad / len(text) > 0.2 or (text.count("锟斤拷") * 3) / len(text) > 0.3:
        return True
    s = normalize_text(text)
    return not any(ch.isalnum() or unicodedata.category(ch) == "So" for ch in s)


def detect_language(text: str) -> str:
    """"zh" when CJK ideographs dominate, "en" when Latin letters do, "other" for other
    scripts (Cyrillic, Arabic, Thai, kana ...), "unknown" when there are no letters."""
    han = 0
    latin_words = 0.0
    other_words = 0.0
    for run in re.findall(r"[^\W\d_]+", normalize_text(text)):
        han_here = sum(1 for ch in run if _is_cjk(ch))
        han += han_here
        latin = sum(1 for ch in run if ch.isascii() or unicodedata.name(ch, "").startswith("LATIN"))
        kana = sum(1 for ch in run if "\u3040" <= ch <= "\u30ff")
        other = len(run) - han_here - latin - kana
        latin_words += 1 if latin else 0
        other_words += (max(1.0, other / 5) if other else 0) + kana / 1.5
    if not (han or latin_words or other_words):
        return "unknown"
    scores = {"zh": han / 1.7, "en": latin_words, "other": other_words}
    return max(scores, key=lambda lang: scores[lang])  # ties go to the first: zh, en, other


# --- phone numbers --------------------------------------------------------------------------

PhoneKind = Literal["mobile", "landline", "international"]


@dataclass(frozen=True)
class Phone:
    """A phone number in E.164 form (+8613812345678, +861012345678) with its kind."""

    e164: str
    kind: PhoneKind
    extension: str | None = None


_EXTENSION_RE = re.compile(r"\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)
_MOBILE_RE = re.compile(r"1[3-9]\d{9}")


def parse_phone(text: str) -> Phone | None:
    """A Chinese mobile or landline number, or another number in international form, or None."""
    s = normalize_text(text).strip(_EDGE_PUNCTUATION.replace("(", "").replace("+", ""))
    extension = None
    m = _EXTENSION_RE.search(s)
    if m:
        s, extension = s[:m.start()], m[1]
    plus = re.match(r"\(?\+", s) is not None
    if not re.fullmatch(r"[\d\s\-().]+", s.replace("+", "", 1) if plus else s):
        return None
    phone = _phone_from_digits(plus, re.sub(r"\D", "", s), extension)
    if phone is None and extension is None:
        m = re.fullmatch(r"(.*\d)-(\d{1,5})", s)  # 010-12345678-801
        if m:
            phone = _phone_from_digits(plus, re.sub(r"\D", "", m[1]), m[2])
            phone = phone if phone and phone.kind == "landline" else None
    return phone


def _phone_from_digits(plus: bool, digits: str, extension: str | None) -> Phone | None:
    if plus and digits.startswith("86") or digits.startswith("0086"):
        national = digits[2:] if plus else digits[4:]
        if not _MOBILE_RE.fullmatch(national) and not national.startswith("0"):
            national = "0" + national  # the trunk 0 that "+86 10 ..." leaves out
    elif plus or digits.startswith("00"):
        digits = digits if plus else digits[2:]
        if 8 <= len(digits) <= 15 and digits[0] != "0":
            return Phone("+" + digits, "international", extension)
        return None
    elif digits.startswith("86") and _MOBILE_RE.fullmatch(digits[2:]):
        national = digits[2:]
    else:
        national = digits
    if _MOBILE_RE.fullmatch(national):
        return None if extension else Phone("+86" + national, "mobile")
    if len(national) < 10 or not national.startswith("0") or national.startswith("00"):
        return None
    area_length = 3 if national[1] in "12" else 4  # 010, 02x; else 0xxx
    subscriber = national[area_length:]
    if not (7 <= len(subscriber) <= 8) or subscriber[0] == "0":
        return None
    return Phone("+86" + national[1:], "landline", extension)


_PHONE_CANDIDATE = re.compile(
    r"[+(]*\d[\d \-().]*\d(?:\s*(?:转|分机|ext\.?|x|#)\s*\d{1,6})?", re.IGNORECASE)


def find_phone(text: str) -> Phone | None:
    """The first phone number inside a sentence ("我的电话是138 1234 5678")."""
    for m in _PHONE_CANDIDATE.finditer(normalize_text(text)):
        candidate = m[0]
        if candidate[0] == "(" and ")" not in candidate:
            candidate = candidate[1:]
        phone = parse_phone(candidate)
        if phone:
            return phone
        for chunk in candidate.split():  # two numbers in a row: "13812345678 13912345678"
            phone = parse_phone(chunk) if len(re.sub(r"\D", "", chunk)) >= 10 else None
            if phone:
                return phone
    return None


# --- e-mail and web addresses ---------------------------------------------------------------

_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~\-"
_LOCAL_RE = re.compile(rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*")
_ASCII_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_CJK_TLDS = frozenset({"中国", "中國", "公司", "网络", "網絡", "政务", "公益", "商城", "网店", "集团", "在线",
                       "中文网", "我爱你", "网址", "移动", "手机", "香港", "台湾", "台灣", "澳门", "新加坡"})
_COMMON_TLDS = frozenset("""com net org cn gov edu mil int info biz name pro io co me cc tv top xyz vip shop
site online club app dev ai link live store tech mobi asia wang ltd work fun ren red ink group
hk tw mo jp kr sg my th vn ph id in ru uk de fr it es nl us ca au nz br la ws to ly""".split())


def _normalize_domain(domain: str, strict_tld: bool = False) -> str | None:
    """Lower-cased domain (IDN kept in Unicode) when every label is valid, else None."""
    d = domain.replace("。", ".").strip().rstrip(".").lower()
    labels = d.split(".")
    if len(d) > 253 or len(labels) < 2:
        return None
    for label in labels:
        if label.isascii():
            if not _ASCII_LABEL_RE.fullmatch(label):
                return None
        elif not all(ch.isalnum() or ch == "-" for ch in label) or label[0] == "-" or label[-1] == "-":
            return None
        else:
            try:
                label.encode("idna")
            except UnicodeError:
                return None
    tld = labels[-1]
    if tld.startswith("xn--"):
        return d
    if tld.isascii():
        ok = tld.isalpha() and 2 <= len(tld) <= 63 and (not strict_tld or tld in _COMMON_TLDS
                                                        or labels[0] == "www")
        return d if ok else None
    if any(_is_cjk(ch) for ch in tld):
        return d if tld in _CJK_TLDS else None
    return d if tld.isalpha() else None


def parse_email(text: str) -> str | None:
    """An e-mail address (pragmatic RFC 5322 subset, domain lower-cased, IDN allowed), or None."""
    s = normalize_text(text).strip(_EDGE_PUNCTUATION.replace(".", "")).rstrip(".")
    if s.lower().startswith("mailto:"):
        s = s[7:]
    if s.count("@") != 1:
        return None
    local, domain = s.split("@")
    if len(local) > 64 or not _LOCAL_RE.fullmatch(local):
        return None
    host = _normalize_domain(domain)
    if host is None or len(local) + 1 + len(host) > 254:
        return None
    return f"{local}@{host}"


_LOCAL_TAIL = re.compile(rf"[{_ATEXT}.]+\Z")
_DOMAIN_HEAD = re.compile(r"[^\s@<>()\[\],;:\"'!?。、《》「」【】]+")


def find_email(text: str) -> str | None:
    """The first e-mail address inside a sentence."""
    s = normalize_text(text)
    for at in (m.start() for m in re.finditer("@", s)):  # linear: each side is bounded
        local = _LOCAL_TAIL.search(s[max(0, at - 64):at])
        domain = _DOMAIN_HEAD.match(s[at + 1:at + 254])
        if not local or not domain:
            continue
        for end in range(len(domain[0]), 2, -1):  # "a@qq.com的" -> "a@qq.com"
            email = parse_email(f"{local[0].lstrip('.')}@{domain[0][:end]}")
            if email:
                return email
    return None


_DEFANG = [(re.compile(r"^hxxp", re.IGNORECASE), "http"), (re.compile(r"\[\.\]|\(\.\)|\[dot\]"), "."),
           (re.compile(r"\[:\]"), ":")]


def _strip_url_tail(s: str) -> str:
    while s and s[-1] in ".,;:!?'\"。，；：！？、)]}>）】》」":
        closing = s[-1]
        opening = {")": "(", "]": "[", "}": "{", "）": "（"}.get(closing)
        if opening and s.count(opening) >= s.count(closing):
            break
        s = s[:-1]
    return s


def parse_url(text: str) -> str | None:
    """An http(s) URL, also a bare domain ("www.example.com/a", "example.cn/path": https:// is
    added) and a defanged one ("hxxp://evil[.]com"); None for other schemes and garbage."""
    s = _strip_url_tail(normalize_text(text).lstrip(" <\"'`(（【「"))
    for pattern, replacement in _DEFANG:
        s = pattern.sub(replacement, s)
    if not s or any(ch.isspace() for ch in s):
        return None
    m = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", s)
    has_scheme = bool(m and m[1].lower() in ("http", "https") and s[m.end():].startswith("//"))
    if m and not has_scheme and not ("." in m[1] and re.match(r"\d{1,5}(?:[/?#]|$)", s[m.end():])):
        return None  # javascript:, data:, mailto:, ftp: ...
    if not has_scheme:
        s = "https://" + s.removeprefix("//")
    try:
        parts = urlsplit(s)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host or (port is not None and not 0 < port < 65536) or (parts.username and not has_scheme):
        return None
    if not _valid_host(host, strict=not has_scheme):
        return None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    netloc = (userinfo + "@" if userinfo else "") + hostport.lower()
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))


def _valid_host(host: str, strict: bool) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return _normalize_domain(host, strict_tld=strict) is not None
    return not strict and not address.is_unspecified


_URL_CANDIDATE = re.compile(
    r"(?:https?|hxxps?)://[^\s<>\"'`，。；！？、（）《》「」【】]+"
    r"|(?<![A-Za-z0-9@./:_-])(?:[a-z0-9-]+(?:\.|\[\.\]))+[a-z0-9-]+(?::\d{1,5})?(?:[/?#][!-~]*)?",
    re.IGNORECASE)


def find_url(text: str) -> str | None:
    """The first web address inside a sentence (with or without http(s)://)."""
    for m in _URL_CANDIDATE.finditer(normalize_text(text)):
        candidate = m[0]
        scheme, sep, rest = candidate.partition("://")
        if not sep:
            url = parse_url(candidate)
            if url:
                return url
            continue
        split = re.search(r"[/?#]", rest)
        host, tail = (rest[:split.start()], rest[split.start():]) if split else (rest, "")
        tail = re.split(r"[^!-~]", tail, maxsplit=1)[0]  # the path ends where the sentence resumes
        while host:
            url = parse_url(f"{scheme}://{host}{tail}")
            if url or host.isascii():
                break
            host, tail = host[:-1], ""  # "http://例子.中国谢谢" -> "http://例子.中国"
        if url:
            return url
    return None


# --- codes ----------------------------------------------------------------------------------

def parse_tracking_no(text: str) -> str | None:
    """The canonical tracking number (受理编号, "TS-20261127-X9933W") the text is, or None."""
    return normalize_tracking_no(normalize_text(text).strip(_EDGE_PUNCTUATION))


_TRACKING_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])T\s*S(?:[\s\-_—–·.]*[A-Za-z0-9]){14}(?![A-Za-z0-9])",
                                 re.IGNORECASE)


def find_tracking_no(text: str) -> str | None:
    """The first valid tracking number inside a sentence ("我的受理编号是 ts-20261127-x9933v")."""
    for m in _TRACKING_CANDIDATE.finditer(normalize_text(text)):
        tracking_no = normalize_tracking_no(m[0])
        if tracking_no:
            return tracking_no
    return None


def parse_receipt(text: str) -> str | None:
    """The 16-digit receipt code the text is (groups, full width and dashes allowed), or None."""
    return normalize_receipt(normalize_text(text).strip(_EDGE_PUNCTUATION))


_DIGIT_RUN = re.compile(r"(?<!\d)\d+(?:[ \-_—–·.]{1,3}\d+)*")


def find_receipt(text: str) -> str | None:
    """The first receipt code inside a sentence ("回执码 2488 0602 6015 6910")."""
    for m in _DIGIT_RUN.finditer(normalize_text(text)):
        groups = re.findall(r"\d+", m[0])
        for first in range(len(groups)):
            total = 0
            for last in range(first, len(groups)):
                total += len(groups[last])
                if total == 16:
                    return normalize_receipt("".join(groups[first:last + 1]))
                if total > 16:
                    break
    return None


# --- yes / no -------------------------------------------------------------------------------

_YES_ZH = frozenset("""是 是的 是啊 对 对的 对啊 对呀 好 好的 好滴 确认 确定 没错 没问题 没有问题 可以 嗯 嗯嗯 恩 行
    要 需要 同意 正确 对头 无误 确认无误 当然 当然可以 ok""".split())
_NO_ZH = frozenset("否 不 不是 不对 不用 没有 没 不要 不需要 不行 不可以 不同意 错 错了 不正确 无".split())
_YES_WORDS = frozenset("""ok okay k y yes yeah yea yep yup sure correct confirm confirmed right affirmative
    absolutely definitely indeed alright fine agreed true""".split())
_NO_WORDS = frozenset("no n nope nah not incorrect wrong negative never false".split())
_YES_PHRASES = frozenset({"of course", "no problem", "thats right", "that is right", "thats correct",
                          "that is correct", "go ahead", "yes please", "sounds good", "all good"})
_NO_PHRASES = frozenset({"no thanks", "not really", "no way", "thats wrong", "that is wrong", "dont",
                         "do not", "not correct", "not right"})
_ZH_PARTICLES = "啊呀吧哦噢喔啦嘞呢哈了滴的嘛么哇~"
_POLITE = frozenset({"谢谢", "谢谢你", "谢谢您", "多谢", "麻烦了", "麻烦你了", "辛苦了", "就这样", "提交", "提交吧"})
_CANCEL = ("取消", "算了", "不办了", "cancel", "abort", "quit")
_CAVEATS = ("但", "不过", "可是", "只是", "修改", "更改", "改", "错", "but", "however", "except", "change",
            "edit", "modify", "wrong")
_ZH_PREFIXES = sorted(_YES_ZH | _NO_ZH, key=len, reverse=True)
_EMOJI_ANSWERS = str.maketrans({"👍": ",yes,", "👌": ",yes,", "✅": ",yes,", "✔": ",yes,", "🙆": ",yes,",
                                "👎": ",no,", "❌": ",no,", "✖": ",no,", "🙅": ",no,"})


def parse_yes_no(text: str, numbered: bool = False) -> bool | None:
    """True for yes (是的, 好, 确认, "yes", 👍), False for no (不是, 不用, "nope"), None otherwise.

    取消 / cancel is not "no" (the caller handles cancelling) and gives None, as do questions
    ("是吗？") and answers that take something back ("对，但是时间不对"). With ``numbered``,
    a menu answer 1 means yes and 2 means no.
    """
    s = normalize_text(text).lower().translate(_EMOJI_ANSWERS).replace("'", "").replace("’", "")
    if not s or any(word in s for word in _CANCEL) or s.rstrip(" )").endswith(("?", "吗")):
        return None
    clauses = [c.strip() for c in re.split(r"[,.;!~…，。；！、\n]+", s)]
    clauses = [c for c in clauses if c and re.search(r"\w", c)]
    if not clauses:
        return None
    if numbered and len(clauses) == 1 and clauses[0].rstrip("、)") in ("1", "2"):
        return clauses[0].startswith("1")
    answer = _clause_polarity(clauses[0])
    if answer is None:
        return None
    for clause in clauses[1:]:
        polarity = _clause_polarity(clause)
        if polarity is not None and polarity != answer:
            return None
        if polarity is None and answer and any(word in clause for word in _CAVEATS):
            return None
    return answer


def _clause_polarity(clause: str) -> bool | None:
    if any(_is_cjk(ch) for ch in clause):
        return _zh_polarity(re.sub(r"[^\w]", "", clause))
    words = re.sub(r"[^\w\s]", "", clause).split()
    if not words:
        return None
    phrase = " ".join(words)
    if phrase in _YES_PHRASES or phrase in _YES_WORDS:
        return True
    if phrase in _NO_PHRASES or phrase in _NO_WORDS:
        return False
    if words[0] == "not" and len(words) > 1 and words[1] in ("correct", "right", "true", "ok", "okay", "fine"):
        return False
    first = True if words[0] in _YES_WORDS else False if words[0] in _NO_WORDS else None
    opposite = _NO_WORDS if first else _YES_WORDS
    if first is None or any(w in opposite for w in words[1:]):
        return None
    return first


def _zh_polarity(clause: str) -> bool | None:
    if clause in _YES_ZH or clause in _NO_ZH:
        return clause in _YES_ZH
    stripped = clause.rstrip(_ZH_PARTICLES)
    if stripped and stripped != clause:
        return _zh_polarity(stripped)
    for word in _ZH_PREFIXES:
        if len(word) < len(clause) and clause.startswith(word):
            answer = word in _YES_ZH
            rest = clause[len(word):].lstrip(_ZH_PARTICLES)
            if not rest or rest in _POLITE or _zh_polarity(rest) == answer:
                return answer
    return None


# --- categories -----------------------------------------------------------------------------

class CategoryLike(Protocol):
    """What :func:`match_category` needs of a category (``intake_core.taxonomy.Category`` fits)."""

    @property
    def code(self) -> str: ...
    @property
    def number(self) -> int: ...
    @property
    def names(self) -> Sequence[str]: ...


_MENU_NUMBER_RE = re.compile(
    r"(?:我)?(?:要)?(?:选择?|option|number|no\.?|#)?\s*第?\s*(\d{1,3}|[一二两三四五六七八九十]{1,3})"
    r"\s*(?:个|项|类|号|种|条|个选项|选项)?\s*(?:吧|啊|呀)?")
_NEGATED = re.compile(r"(?:不是|并非|不属于|不算|(?<![a-z])(?:not|isn'?t|no)(?: an?)?)$")


def _field(category: CategoryLike | Mapping[str, Any], name: str) -> Any:
    return category[name] if isinstance(category, Mapping) else getattr(category, name)


def match_category(text: str, categories: Sequence[CategoryLike | Mapping[str, Any]]) -> str | None:
    """The code of the category the citizen chose: by menu number ("3", "３", "第三个", "三"),
    by exact name, or by a name or synonym inside the text. None when nothing or more than one
    category matches."""
    s = normalize_text(text).casefold().strip(_EDGE_PUNCTUATION)
    if not s:
        return None
    entries = [(str(_field(c, "code")), int(_field(c, "number")),
                [normalize_text(n).casefold() for n in _field(c, "names") if n and n.strip()]) for c in categories]
    m = _MENU_NUMBER_RE.fullmatch(s)
    if m:
        number = chinese_number(m[1])
        codes = {code for code, menu_number, _ in entries if menu_number == number}
        return codes.pop() if len(codes) == 1 else None
    compact = s.replace(" ", "")
    exact = {code for code, _, names in entries if s in names or compact in {n.replace(" ", "") for n in names}}
    if exact:
        return exact.pop() if len(exact) == 1 else None
    hits: list[tuple[int, int, str]] = []
    for code, _, names in entries:
        for name in names:
            pattern = (rf"(?<![a-z0-9]){re.escape(name)}(?:s|es)?(?![a-z0-9])" if name.isascii()
                       else re.escape(name))
            for hit in re.finditer(pattern, s):
                if not _NEGATED.search(s[:hit.start()].rstrip()):  # "不是诈骗，是赌博"
                    hits.append((hit.start(), hit.end(), code))
    kept = {code for start, end, code in hits
            if not any(c != code and s2 <= start and end <= e2 and e2 - s2 > end - start for s2, e2, c in hits)}
    return kept.pop() if len(kept) == 1 else None

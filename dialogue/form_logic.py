"""The intake form's rules, shared by the Rasa action server and the embedded engine.

Standard library (plus PyYAML for the catalogue) and Python 3.10 compatible: the Rasa
action server runs on Rasa's own Python 3.10 pin and imports this module as it is.
Which slots the form asks, how a typed answer becomes a slot value, what a correction
resets and what the finished draft looks like are decided here and nowhere else.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from dialogue import fields

# The questions about the case, in asking order.
FORM_SLOTS = ("kind", "category", "target", "description", "occurred_at", "anonymous",
              "reporter_name", "reporter_phone", "reporter_email", "confirmed")
IDENTITY_SLOTS = ("reporter_name", "reporter_phone", "reporter_email")
CATEGORY_FIELDS = ("target", "description", "occurred_at")
# Asked only after the citizen says the summary is wrong: "which field?".
CORRECTION_SLOT = "correction_field"
CORRECTABLE_SLOTS = FORM_SLOTS[:-1]
# intake_form.required_slots in domain.yml: the maximal order, correction_field just before confirmed.
DOMAIN_FORM_ORDER = (*FORM_SLOTS[:-1], CORRECTION_SLOT, "confirmed")
# Everything a finished, cancelled or handed-off intake clears (locale survives).
RESETTABLE_SLOTS = (*FORM_SLOTS, CORRECTION_SLOT)

# China has had no daylight saving time since 1991, so a fixed offset is exact and
# needs no tz database on the action server.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
DECLINED = ""  # a contact slot the citizen was asked for and declined

MIN_DESCRIPTION_CHARS = 4
MAX_DESCRIPTION_CHARS = 5000
MAX_TARGET_CHARS = 2048
MAX_NAME_CHARS = 40

KIND_WORDS = {"complaint": ("1", "投诉", "complaint", "complain"), "report": ("2", "举报", "report")}


@dataclass(frozen=True)
class CategoryOption:
    code: str
    kind: str
    number: int  # position in the menu of its kind, from 1
    name_zh: str
    name_en: str
    synonyms: tuple[str, ...]
    required: frozenset[str]  # its `required` fields in categories.yaml, description always added

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_zh

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name_zh, self.name_en, *self.synonyms)


@dataclass(frozen=True)
class Catalogue:
    options: tuple[CategoryOption, ...]

    @property
    def category_required(self) -> dict[str, frozenset[str]]:
        return {option.code: option.required for option in self.options}

    def get(self, code: Any) -> CategoryOption | None:
        return next((option for option in self.options if option.code == code), None)

    def of_kind(self, kind: str | None) -> list[CategoryOption]:
        return [option for option in self.options if kind is None or option.kind == kind]


def categories_file() -> Path:
    configured = os.environ.get("INTAKE_CATEGORIES_FILE")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent.parent / "config" / "categories.yaml"


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Categories with menu numbers counted per kind, as intake_core.taxonomy does."""
    with open(path or categories_file(), encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    options: list[CategoryOption] = []
    numbers: dict[str, int] = {}
    for group in data["groups"]:
        kind = group["kind"]
        for raw in group["categories"]:
            numbers[kind] = numbers.get(kind, 0) + 1
            synonyms = raw.get("synonyms") or {}
            options.append(CategoryOption(
                code=raw["code"], kind=kind, number=numbers[kind],
                name_zh=raw["name"]["zh"], name_en=raw["name"]["en"],
                synonyms=tuple(synonyms.get("zh", [])) + tuple(synonyms.get("en", [])),
                required=frozenset(raw.get("required", [])) | {"description"},
            ))
    return Catalogue(tuple(options))


def load_category_required(path: Path | None = None) -> dict[str, frozenset[str]]:
    """category code -> the fields it requires: the second argument of required_slots()."""
    return load_catalogue(path).category_required


def required_slots(slots: Mapping[str, Any], category_required: Mapping[str, frozenset[str]]) -> list[str]:
    """The slots this intake needs, in asking order; the form asks the first one that is None."""
    required = ["kind", "category"]
    category = slots.get("category")
    if slots.get("kind") is None or not isinstance(category, str) or category not in category_required:
        return required
    needed = set(category_required[category]) | {"description"}
    required += [name for name in CATEGORY_FIELDS if name in needed]
    required.append("anonymous")
    if slots.get("anonymous") is False:
        required.append("reporter_name")
        phone, email = slots.get("reporter_phone"), slots.get("reporter_email")
        if phone or not email:
            required.append("reporter_phone")
        if email or not phone:
            required.append("reporter_email")
    if slots.get("confirmed") is False:
        required.append(CORRECTION_SLOT)
    required.append("confirmed")
    return required


def next_slot(slots: Mapping[str, Any], category_required: Mapping[str, frozenset[str]]) -> str | None:
    return next((name for name in required_slots(slots, category_required) if slots.get(name) is None), None)


def missing_slots(slots: Mapping[str, Any], category_required: Mapping[str, frozenset[str]]) -> list[str]:
    """What the draft still lacks, in asking order (a channel that gets whole messages lists them all).
    Phone and email, both missing, are one item: either will do."""
    missing = [name for name in required_slots(slots, category_required)
               if slots.get(name) is None and name in FORM_SLOTS[:-1]]
    if "reporter_phone" in missing and "reporter_email" in missing:
        missing[missing.index("reporter_phone")] = "contact"
        missing.remove("reporter_email")
    return missing


def draft_payload(slots: Mapping[str, Any]) -> dict[str, Any]:
    """The custom JSON message that ends the form; the service registers the case from it."""
    anonymous = slots.get("anonymous") is True
    identity = {} if anonymous else {
        "name": slots.get("reporter_name") or None,
        "phone": slots.get("reporter_phone") or None,
        "email": slots.get("reporter_email") or None,
    }
    return {"intake": {"type": "draft", "draft": {
        "kind": slots.get("kind"),
        "category": slots.get("category"),
        "target": slots.get("target") or None,
        "description": slots.get("description"),
        "occurred_at": slots.get("occurred_at") or None,
        "anonymous": anonymous,
        "identity": identity,
        "locale": locale_of(slots),
    }}}


def locale_of(slots: Mapping[str, Any]) -> str:
    return "en" if slots.get("locale") == "en" else "zh"


def category_menu(catalogue: Catalogue, kind: str | None, locale: str) -> str:
    """The numbered list shown with utter_ask_category as {category_menu}."""
    return "\n".join(f"{option.number}. {option.name(locale)}" for option in catalogue.of_kind(kind))


def summary_values(slots: Mapping[str, Any], catalogue: Catalogue, locale: str) -> dict[str, str]:
    """Display values for the placeholders of utter_ask_confirmed."""
    english = locale == "en"
    blank = "—"
    option = catalogue.get(slots.get("category"))
    kinds = {"complaint": "Complaint" if english else "投诉", "report": "Report" if english else "举报"}
    anonymous = slots.get("anonymous") is True
    values = {
        "kind": kinds.get(slots.get("kind") or "", blank),
        "category": option.name(locale) if option else blank,
        "target": slots.get("target") or blank,
        "description": slots.get("description") or blank,
        "occurred_at": _display_time(slots.get("occurred_at")) or blank,
        "anonymous": ("Yes" if english else "是") if anonymous else ("No" if english else "否"),
    }
    for name in IDENTITY_SLOTS:
        values[name] = blank if anonymous else (slots.get(name) or blank)
    return values


def _display_time(value: Any) -> str | None:
    try:
        return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M") if value else None
    except ValueError:
        return None


def now_in_shanghai() -> datetime:
    return datetime.now(SHANGHAI)


# --- answers -> slot values ------------------------------------------------------------

Updates = dict | None  # slot -> new value; None means "not a valid answer, ask again"

_NAME_PREFIX = re.compile(r"^(我叫|我是|姓名是?|名字是?|my name is|i am|i'm|name:?)\s*", re.IGNORECASE)
_CONTACT_LEFTOVERS = re.compile(r"[\d+()#\-]{7,}|[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+")
_CONTACT_WORDS = re.compile(r"(电话|手机|邮箱|phone|email)\S*$", re.IGNORECASE)
_DECLINE_WORDS = ("没有", "不想", "不方便", "不愿", "不留", "不用", "不要", "none", "no ", "skip", "don't")
_PUNCTUATION = " ,，。.:：;；!！"


def interpret(slot: str, value: Any, slots: Mapping[str, Any], catalogue: Catalogue, now: datetime,
              intent: str | None = None, message: str | None = None) -> Updates:
    """Turn what the citizen answered for `slot` into slot updates, or None when it is not an answer.

    `value` is what the slot mapping extracted (text, or a value from an intent/button);
    `message` is the whole user message. Values that are already normalized pass unchanged,
    so validating twice is harmless.
    """
    if value is None:
        return None
    if slot == "confirmed" and message and value is not True and _corrects(message, value, intent):
        # "不对，电话应该是139…" at the summary: apply it instead of asking which field.
        return correction_updates(message, slots, catalogue, now)
    if slot == "anonymous" and message and _anonymity_named(message) is not None:
        # The words beat the intent: "不匿名" must not become anonymous because the NLU saw 匿名.
        return _anonymity(bool(_anonymity_named(message)))
    if isinstance(value, bool):
        return _boolean(slot, value)
    text = fields.normalize_text(str(value))
    interpreter = _INTERPRETERS.get(slot)
    return interpreter(text, slots, catalogue, now, intent) if interpreter else {slot: text}


def _corrects(message: str, value: Any, intent: str | None) -> bool:
    saying_no = value is False or intent == "deny" or fields.parse_yes_no(message) is False
    return saying_no and parse_correction(message)[0] is not None


def _boolean(slot: str, value: bool) -> Updates:
    if slot == "anonymous":
        return _anonymity(value)
    if slot == "confirmed":
        return {"confirmed": value}
    return None


def _anonymity(anonymous: bool) -> dict:
    if anonymous:  # an anonymous report carries no identity at all
        return {"anonymous": True, **{name: None for name in IDENTITY_SLOTS}}
    return {"anonymous": False}


def _kind(text: str, slots: Mapping[str, Any], catalogue: Catalogue, now: datetime, intent: Any) -> Updates:
    kind = kind_from_text(text)
    if kind is None:
        return None
    chosen = catalogue.get(slots.get("category"))
    # A category of the other kind no longer fits.
    return {"kind": kind, **({"category": None} if chosen and chosen.kind != kind else {})}


def kind_from_text(text: str) -> str | None:
    lowered = text.strip().lower().lstrip("/")
    for kind, words in KIND_WORDS.items():
        if lowered == kind or lowered == f"start_{kind}" or any(word == lowered for word in words):
            return kind
    hits = [kind for kind, words in KIND_WORDS.items() if any(w in lowered for w in words[1:])]
    return hits[0] if len(hits) == 1 else None


def _category(text: str, slots: Mapping[str, Any], catalogue: Catalogue, now: datetime, intent: Any) -> Updates:
    option = match_category_option(text, catalogue, slots.get("kind"))
    return {"category": option.code, "kind": option.kind} if option else None


def match_category_option(text: str, catalogue: Catalogue, kind: str | None) -> CategoryOption | None:
    """By code, or by menu number / name / synonym within the kind (fields.match_category)."""
    options = catalogue.of_kind(kind)
    chosen = catalogue.get(text.strip()) or catalogue.get(fields.match_category(text, options))
    return chosen if chosen in options else None


def _target(text: str, slots: Mapping[str, Any], catalogue: Catalogue, now: datetime, intent: Any) -> Updates:
    url = fields.parse_url(text) or fields.find_url(text)
    if url:
        return {"target": url}
    if len(text) < 2 or fields.parse_yes_no(text) is not None:
        return None
    return {"target": fields.clip(text, MAX_TARGET_CHARS)[0]}


def _description(text: str, slots: Mapping[str, Any], catalogue: Catalogue, now: datetime,
                 intent: Any) -> Updates:
    if len(text) < MIN_DESCRIPTION_CHARS:
        return None
    return {"description": fields.clip(text, MAX_DESCRIPTION_CHARS)[0]}


def _occurred_at(text: str, slots: Mapping[str, Any], catalogue: Catalogue, now: datetime,
                 intent: Any) -> Updates:
    moment = _iso_datetime(text) or fields.parse_datetime(text, now)
    if moment is None:
        return None
    if not isinstance(moment, datetime) and isinstance(moment, date):
        moment = datetime(moment.year, moment.month, moment.day)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    if moment > now + timedelta(hours=1):  # it already happened
        return None
    return {"occurred_at": moment.isoformat(timespec="seconds")}


def _iso_datetime(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _anonymous(text: str, slots: Mapping[str, Any], catalogue: Catalogue, now: datetime, intent: Any) -> Updates:
    named = _anonymity_named(text)
    if named is None and intent in ("anonymous", "give_contact"):
        named = intent == "anonymous"
    if named is None:
        named = fields.parse_yes_no(text)  # the question is "匿名提交吗？"
    return None if named is None else _anonymity(named)


def _anonymity_named(text: str) -> bool | None:
    """True/False when the message says anonymous or not in so many words, else None."""
    lowered = text.lower()
    if any(word in lowered for word in ("实名", "不匿名", "不用匿名", "不需要匿名", "not anonymous",
                                        "real name")):
        return False
    if any(word in lowered for word in ("匿名", "anonym", "不留名", "不想留", "不留个人", "保密身份",
                                        "want to leave", "want to give", "rather not")):
        return True
    if any(word in lowered for word in ("联系方式", "联系我", "contact me", "contact details")):
        return False
    return None


def _reporter_name(text: str, slots: Mapping[str, Any], catalogue: Catalogue, now: datetime,
                   intent: Any) -> Updates:
    # Not _declines(): names may contain words like 无 or 没.
    if intent == "deny" or fields.parse_yes_no(text) is False or text.startswith(("不想", "不方便", "不愿")):
        return None
    phone = fields.find_phone(text)
    email = fields.find_email(text)
    # What is left after the contact details and "我叫…" is the name.
    name = _CONTACT_LEFTOVERS.sub(" ", text)
    name = _NAME_PREFIX.sub("", name.strip(_PUNCTUATION)).strip(_PUNCTUATION)
    name = _CONTACT_WORDS.sub("", name).strip(_PUNCTUATION)
    if not name or len(name) > MAX_NAME_CHARS or any(char.isdigit() for char in name):
        return None
    updates: dict = {"reporter_name": name}
    if phone:
        updates["reporter_phone"] = phone_text(phone)
    if email:
        updates["reporter_email"] = email
    return updates


def _reporter_phone(text: str, slots: Mapping[str, Any], catalogue: Catalogue, now: datetime,
                    intent: Any) -> Updates:
    phone = fields.parse_phone(text) or fields.find_phone(text)
    if phone:
        return {"reporter_phone": phone_text(phone)}
    email = fields.find_email(text)
    if email:  # answered with an email instead: no phone needed then
        return {"reporter_phone": None, "reporter_email": email}
    if intent == "deny" or _declines(text):
        return {"reporter_phone": DECLINED}
    return None


def _reporter_email(text: str, slots: Mapping[str, Any], catalogue: Catalogue, now: datetime,
                    intent: Any) -> Updates:
    email = fields.parse_email(text) or fields.find_email(text)
    if email:
        return {"reporter_email": email}
    phone = fields.find_phone(text)
    if phone:
        return {"reporter_phone": phone_text(phone), "reporter_email": None}
    if (intent == "deny" or _declines(text)) and slots.get("reporter_phone"):
        return {"reporter_email": DECLINED}
    return None  # an identified reporter needs a phone or an email (or says "匿名")


def _confirmed(text: str, slots: Mapping[str, Any], catalogue: Catalogue, now: datetime, intent: Any) -> Updates:
    answer = (intent == "affirm") if intent in ("affirm", "deny") else fields.parse_yes_no(text)
    return None if answer is None else {"confirmed": answer}


def _correction_field(text: str, slots: Mapping[str, Any], catalogue: Catalogue, now: datetime,
                      intent: Any) -> Updates:
    return correction_updates(text, slots, catalogue, now)


def phone_text(phone: fields.Phone) -> str:
    """E.164, with an extension in RFC 3966 style: +861012345678;ext=801."""
    return phone.e164 + (f";ext={phone.extension}" if phone.extension else "")


def _declines(text: str) -> bool:
    lowered = f"{text.lower()} "
    return fields.parse_yes_no(text) is False or any(word in lowered for word in _DECLINE_WORDS)


_INTERPRETERS = {
    "kind": _kind, "category": _category, "target": _target, "description": _description,
    "occurred_at": _occurred_at, "anonymous": _anonymous, "reporter_name": _reporter_name,
    "reporter_phone": _reporter_phone, "reporter_email": _reporter_email, "confirmed": _confirmed,
    CORRECTION_SLOT: _correction_field,
}


# --- corrections -------------------------------------------------------------------------

# Words that name a field in "电话改成…", "change the phone to …"; longest match wins a tie.
FIELD_WORDS = {
    "kind": ("投诉还是举报", "类型", "kind", "type"),
    "category": ("类别", "分类", "种类", "category"),
    "target": ("对象", "网址", "链接", "网站", "商家", "账号", "target", "url", "link", "website", "account"),
    "description": ("描述", "经过", "内容", "情况", "description", "details"),
    "occurred_at": ("时间", "日期", "什么时候", "time", "date", "when"),
    "anonymous": ("匿名", "实名", "anonymous", "anonymity"),
    "reporter_name": ("姓名", "名字", "称呼", "name"),
    "reporter_phone": ("手机号", "电话", "手机", "号码", "phone", "mobile", "number"),
    "reporter_email": ("邮箱", "邮件", "email", "e-mail", "mail"),
}
_CHANGE_WORDS = re.compile(
    r"(改成|改为|换成|更正为|更改为|修改为|应该是|应为|变成|写成|\bto\b|\bshould be\b|\binstead\b)",
    re.IGNORECASE)


_FIELD_LEADS = ("", "我的", "把", "将", "请把", "my", "the", "your")
_REMARK = re.compile(r"错|不对|有误|改|更正|wrong|incorrect|fix|change|update", re.IGNORECASE)


def parse_correction(text: str) -> tuple[str | None, str]:
    """(slot the message asks to change or None, the new value text, possibly empty).

    A field word alone is not enough ("他在电话里骗我" describes, it does not correct): the
    message must also say that it changes something ("改成", "写错了", "to"), or start with
    the field word ("电话13912345678", "我的邮箱 a@b.cn").
    """
    lowered = text.lower()
    best: tuple[int, int, str] | None = None
    for slot, words in FIELD_WORDS.items():
        for word in words:
            at = _find_word(lowered, word)
            if at >= 0 and (best is None or (at, -len(word)) < (best[0], -best[1])):
                best = (at, len(word), slot)
    change = _CHANGE_WORDS.search(text)
    if best is None:
        return None, (text[change.end():] if change else text).strip(_PUNCTUATION)
    start, length, slot = best
    after = text[start + length:]
    if change:
        return slot, text[change.end():].strip(_PUNCTUATION)
    if _REMARK.search(text):
        return slot, ""  # "名字写错了" names the field, gives no value
    if text[:start].strip(_PUNCTUATION).lower() in _FIELD_LEADS:
        return slot, after.strip(_PUNCTUATION)
    return None, text.strip(_PUNCTUATION)


def _find_word(lowered: str, word: str) -> int:
    if word.isascii():  # English words must stand alone ("name" is not in "username")
        match = re.search(rf"\b{re.escape(word)}\b", lowered)
        return match.start() if match else -1
    return lowered.find(word)


def correction_updates(text: str, slots: Mapping[str, Any], catalogue: Catalogue, now: datetime,
                       slot: str | None = None) -> Updates:
    """Slot updates for a correction: reset the named field, fill it when the new value is given.

    Resetting `confirmed` makes the form ask what is missing and then show the summary again.
    Returns None when the message names no field we can change.
    """
    named, rest = parse_correction(text)
    slot = slot or named or _slot_of_bare_value(rest, slots, catalogue)
    if slot not in CORRECTABLE_SLOTS:
        return None
    updates: dict = {slot: None, "confirmed": None, CORRECTION_SLOT: None}
    if slot == "kind":
        updates["category"] = None
    if slot == "anonymous":
        updates.update({name: None for name in IDENTITY_SLOTS})
    if slot in ("reporter_phone", "reporter_email") and slots.get("anonymous") is True:
        updates["anonymous"] = False  # giving a contact means no longer anonymous
    if rest:
        value = interpret(slot, rest, {**slots, **updates}, catalogue, now)
        if value:
            updates.update(value)
    return updates


def correction_for_message(message: str, slots: Mapping[str, Any], catalogue: Catalogue, now: datetime,
                           field: str | None = None) -> Updates:
    """What a message the NLU read as `correct` changes; None means "ask which field".

    A button names the field outright. A message that names a field or says "改成…" is a
    correction. Anything else is more likely an answer to the question being asked that the
    NLU took for a correction (a bare URL, a phone number), so it is tried as that first.
    """
    if field:
        return correction_updates("", slots, catalogue, now, slot=field)
    # "改成举报" names no field but is short; "he refused to accept…" merely contains "to".
    if parse_correction(message)[0] or (_CHANGE_WORDS.search(message) and len(message) <= 20):
        return correction_updates(message, slots, catalogue, now)
    requested = slots.get("requested_slot")
    if requested in FORM_SLOTS:
        answer = interpret(requested, message, slots, catalogue, now, message=message)
        if answer:
            return answer
    return correction_updates(message, slots, catalogue, now)


def _slot_of_bare_value(text: str, slots: Mapping[str, Any], catalogue: Catalogue) -> str | None:
    """"改成举报", "换成13912345678": the value alone says which field it is."""
    if not text:
        return None
    if text in CORRECTABLE_SLOTS:
        return text
    if kind_from_text(text) and len(text) <= 4:
        return "kind"
    if fields.find_phone(text):
        return "reporter_phone"
    if fields.find_email(text):
        return "reporter_email"
    if fields.find_url(text):
        return "target"
    if match_category_option(text, catalogue, slots.get("kind")):
        return "category"
    return None


# --- language ---------------------------------------------------------------------------

_WANTS_ENGLISH = ("english", "英文", "英语", "不懂中文", "看不懂", "不会中文", "can't read chinese",
                  "don't speak chinese")
_WANTS_CHINESE = ("chinese", "中文", "汉语", "普通话", "mandarin")


def requested_locale(text: str, current: str) -> str:
    """The locale asked for ("English please", "说中文"); a bare request flips the current one."""
    lowered = text.lower()
    if any(word in lowered for word in _WANTS_ENGLISH):
        return "en"
    if any(word in lowered for word in _WANTS_CHINESE):
        return "zh"
    return "zh" if current == "en" else "en"

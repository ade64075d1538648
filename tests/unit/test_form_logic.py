"""The intake form's rules (dialogue/form_logic.py), shared by the Rasa actions and the embedded engine."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dialogue import form_logic
from dialogue.form_logic import draft_payload, next_slot, required_slots

SHANGHAI = timezone(timedelta(hours=8))
NOW = datetime(2024, 5, 10, 15, 0, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def catalogue() -> form_logic.Catalogue:
    return form_logic.load_catalogue()


@pytest.fixture(scope="module")
def required(catalogue: form_logic.Catalogue) -> dict[str, frozenset[str]]:
    return catalogue.category_required


def identified(**slots: object) -> dict[str, object]:
    return {"anonymous": False, "reporter_name": "张伟", **slots}


# --- which slots ---------------------------------------------------------------------------

def test_until_the_category_is_known_only_kind_and_category(required) -> None:
    assert required_slots({}, required) == ["kind", "category"]
    assert required_slots({"kind": "report"}, required) == ["kind", "category"]
    assert required_slots({"kind": "report", "category": "诈骗"}, required) == ["kind", "category"]


def test_report_of_fraud_needs_target_and_time(required) -> None:
    slots = {"kind": "report", "category": "fraud"}
    assert required_slots(slots, required) == [
        "kind", "category", "target", "description", "occurred_at", "anonymous", "confirmed"]


def test_category_without_target_or_time_asks_only_the_description(required) -> None:
    slots = {"kind": "complaint", "category": "credit_reporting"}
    assert required_slots(slots, required) == ["kind", "category", "description", "anonymous", "confirmed"]


def test_complaint_about_service_needs_time_but_no_target(required) -> None:
    slots = {"kind": "complaint", "category": "service"}
    assert required_slots(slots, required) == [
        "kind", "category", "description", "occurred_at", "anonymous", "confirmed"]


def test_report_of_pornography_needs_a_target_but_no_time(required) -> None:
    slots = {"kind": "report", "category": "pornography"}
    assert required_slots(slots, required) == [
        "kind", "category", "target", "description", "anonymous", "confirmed"]


def test_description_is_required_even_if_the_catalogue_forgets_it() -> None:
    slots = {"kind": "report", "category": "x"}
    assert "description" in required_slots(slots, {"x": frozenset()})


def test_anonymous_reporters_are_asked_for_no_identity(required) -> None:
    slots = {"kind": "report", "category": "gambling", "anonymous": True}
    needed = required_slots(slots, required)
    assert not set(needed) & set(form_logic.IDENTITY_SLOTS)
    assert needed[-1] == "confirmed"


def test_identified_reporter_without_contact_is_asked_name_then_phone_or_email(required) -> None:
    slots = {"kind": "complaint", "category": "service", "anonymous": False}
    assert required_slots(slots, required)[-4:] == ["reporter_name", "reporter_phone", "reporter_email",
                                                     "confirmed"]
    assert next_slot({**slots, "description": "d", "occurred_at": "t"}, required) == "reporter_name"


def test_identified_reporter_with_a_phone_is_not_asked_for_email(required) -> None:
    slots = identified(kind="complaint", category="service", reporter_phone="+8613912345678")
    needed = required_slots(slots, required)
    assert "reporter_phone" in needed and "reporter_email" not in needed


def test_identified_reporter_with_an_email_is_not_asked_for_a_phone(required) -> None:
    slots = identified(kind="complaint", category="service", reporter_email="a@example.com")
    needed = required_slots(slots, required)
    assert "reporter_email" in needed and "reporter_phone" not in needed


def test_declined_phone_leads_to_the_email_question(required) -> None:
    slots = identified(kind="complaint", category="credit_reporting", description="征信记录有误",
                       reporter_phone=form_logic.DECLINED)
    assert next_slot(slots, required) == "reporter_email"


def test_confirmed_is_always_last_and_a_no_asks_which_field_first(required) -> None:
    slots = identified(kind="report", category="fraud", confirmed=False)
    needed = required_slots(slots, required)
    assert needed[-2:] == ["correction_field", "confirmed"]
    assert needed == [s for s in form_logic.DOMAIN_FORM_ORDER if s in needed]  # never out of domain order


def test_a_complete_confirmed_intake_needs_nothing_more(required) -> None:
    slots = identified(kind="report", category="fraud", target="https://x.example", description="骗了我钱",
                       occurred_at="2024-05-09T15:00:00+08:00", reporter_phone="+8613912345678", confirmed=True)
    assert next_slot(slots, required) is None


# --- the draft -----------------------------------------------------------------------------

def test_draft_payload_of_an_identified_complaint() -> None:
    slots = identified(kind="complaint", category="service", description="窗口人员态度恶劣",
                       occurred_at="2024-05-09T15:00:00+08:00", reporter_phone="+8613912345678",
                       reporter_email=form_logic.DECLINED, confirmed=True, locale="zh")
    assert draft_payload(slots) == {"intake": {"type": "draft", "draft": {
        "kind": "complaint", "category": "service", "target": None, "description": "窗口人员态度恶劣",
        "occurred_at": "2024-05-09T15:00:00+08:00", "anonymous": False,
        "identity": {"name": "张伟", "phone": "+8613912345678", "email": None}, "locale": "zh"}}}


def test_draft_payload_of_an_anonymous_report_carries_no_identity() -> None:
    slots = {"kind": "report", "category": "gambling", "target": "https://bet.example", "description": "赌博网站",
             "anonymous": True, "reporter_name": "left over", "locale": "en"}
    draft = draft_payload(slots)["intake"]["draft"]
    assert draft["anonymous"] is True and draft["identity"] == {} and draft["locale"] == "en"


# --- answers -------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "answer", "code"), [
    ("report", "诈骗", "fraud"), ("report", "11", "pornography"), ("report", "fraud", "fraud"),
    ("complaint", "1", "product_quality"), ("complaint", "服务态度太差", "service"),
])
def test_category_by_number_name_or_code(catalogue, kind: str, answer: str, code: str) -> None:
    assert form_logic.interpret("category", answer, {"kind": kind}, catalogue, NOW) == {
        "category": code, "kind": kind}


def test_category_of_the_other_kind_is_not_accepted(catalogue) -> None:
    assert form_logic.interpret("category", "赌博", {"kind": "complaint"}, catalogue, NOW) is None


def test_category_menu_numbers_per_kind(catalogue) -> None:
    menu = form_logic.category_menu(catalogue, "complaint", "en").splitlines()
    assert menu[0] == "1. Product quality" and len(menu) == 7


def test_time_is_iso_with_offset_and_never_in_the_future(catalogue) -> None:
    assert form_logic.interpret("occurred_at", "昨天下午3点", {}, catalogue, NOW) == {
        "occurred_at": "2024-05-09T15:00:00+08:00"}
    assert form_logic.interpret("occurred_at", "2024-05-09T15:00:00+08:00", {}, catalogue, NOW) == {
        "occurred_at": "2024-05-09T15:00:00+08:00"}
    assert form_logic.interpret("occurred_at", "明天", {}, catalogue, NOW) is None


def test_going_anonymous_drops_the_identity(catalogue) -> None:
    assert form_logic.interpret("anonymous", True, identified(), catalogue, NOW) == {
        "anonymous": True, "reporter_name": None, "reporter_phone": None, "reporter_email": None}
    assert form_logic.interpret("anonymous", "我要实名", {}, catalogue, NOW) == {"anonymous": False}


def test_name_with_phone_fills_both(catalogue) -> None:
    assert form_logic.interpret("reporter_name", "我叫张无忌，电话13912345678", {}, catalogue, NOW) == {
        "reporter_name": "张无忌", "reporter_phone": "+8613912345678"}


def test_phone_question_accepts_an_email_or_a_refusal(catalogue) -> None:
    assert form_logic.interpret("reporter_phone", "138 1234 5678", {}, catalogue, NOW) == {
        "reporter_phone": "+8613812345678"}
    assert form_logic.interpret("reporter_phone", "发邮箱吧 li@example.com", {}, catalogue, NOW) == {
        "reporter_phone": None, "reporter_email": "li@example.com"}
    assert form_logic.interpret("reporter_phone", "没有手机", {}, catalogue, NOW) == {
        "reporter_phone": form_logic.DECLINED}
    assert form_logic.interpret("reporter_phone", "12345", {}, catalogue, NOW) is None


def test_email_cannot_be_declined_without_a_phone(catalogue) -> None:
    assert form_logic.interpret("reporter_email", "没有", {"reporter_phone": ""}, catalogue, NOW) is None


# --- corrections ---------------------------------------------------------------------------

@pytest.mark.parametrize(("message", "expected"), [
    ("电话改成13912345678", {"reporter_phone": "+8613912345678"}),
    ("change the phone to 13912345678", {"reporter_phone": "+8613912345678"}),
    ("类别改成诈骗", {"category": "fraud", "kind": "report"}),
    ("时间改成昨天下午3点", {"occurred_at": "2024-05-09T15:00:00+08:00"}),
    ("名字写错了", {"reporter_name": None}),
])
def test_correction_resets_the_field_and_fills_it_when_the_value_is_given(catalogue, message, expected) -> None:
    slots = identified(kind="report", category="gambling", reporter_phone="+8613800000000", confirmed=True)
    updates = form_logic.correction_updates(message, slots, catalogue, NOW)
    assert updates is not None
    assert updates["confirmed"] is None and updates["correction_field"] is None
    assert {key: updates[key] for key in expected} == expected


def test_changing_the_kind_drops_the_category(catalogue) -> None:
    updates = form_logic.correction_updates("改成投诉", {"kind": "report", "category": "fraud"}, catalogue, NOW)
    assert updates is not None and updates["kind"] == "complaint" and updates["category"] is None


def test_no_with_a_correction_at_the_summary_applies_it(catalogue) -> None:
    slots = identified(kind="report", category="fraud", reporter_phone="+8613800000000")
    updates = form_logic.interpret("confirmed", False, slots, catalogue, NOW, intent="deny",
                                   message="不对，电话应该是13912345678")
    assert updates == {"reporter_phone": "+8613912345678", "confirmed": None, "correction_field": None}


def test_unknown_correction_is_rejected(catalogue) -> None:
    assert form_logic.correction_updates("你好", {"kind": "report"}, catalogue, NOW) is None


def test_requested_locale() -> None:
    assert form_logic.requested_locale("English please", "zh") == "en"
    assert form_logic.requested_locale("说中文", "en") == "zh"
    assert form_logic.requested_locale("/switch_language", "zh") == "en"

"""The Rasa project under dialogue/rasa is the dialogue contract; check it without Rasa installed."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml

from dialogue import form_logic
from intake_core import codes

PROJECT = Path(__file__).resolve().parents[2] / "dialogue" / "rasa"
ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")
CJK = re.compile(r"[\u4e00-\u9fff]")
MIN_ZH, MIN_EN = 15, 5


def load(name: str) -> dict:
    return yaml.safe_load((PROJECT / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def domain() -> dict:
    return load("domain.yml")


@pytest.fixture(scope="module")
def nlu() -> list[dict]:
    return load("data/nlu.yml")["nlu"]


@pytest.fixture(scope="module")
def examples(nlu: list[dict]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for block in nlu:
        if "intent" in block:
            lines = [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
            found.setdefault(block["intent"], []).extend(ANNOTATION.sub(r"\1", line) for line in lines)
    return found


def variants_by_locale(variants: list[dict]) -> dict[str | None, dict]:
    by_locale: dict[str | None, dict] = {}
    for variant in variants:
        conditions = variant.get("condition") or []
        locale = next((c["value"] for c in conditions if c.get("name") == "locale"), None)
        by_locale[locale] = variant
    return by_locale


def placeholders(text: str) -> set[str]:
    return set(re.findall(r"{(\w+)}", text))


def test_every_file_parses() -> None:
    for name in ("config.yml", "domain.yml", "endpoints.yml", "credentials.yml", "data/nlu.yml",
                 "data/rules.yml", "data/stories.yml"):
        assert load(name) is not None, name
    assert load("config.yml")["language"] == "zh"
    assert "rest" in load("credentials.yml")
    assert "${RASA_ACTION_ENDPOINT}" in (PROJECT / "endpoints.yml").read_text(encoding="utf-8")


def test_intents_of_domain_and_nlu_agree(domain: dict, examples: dict[str, list[str]]) -> None:
    assert set(domain["intents"]) == set(examples)


def test_every_intent_has_enough_chinese_and_english_examples(examples: dict[str, list[str]]) -> None:
    for intent, lines in examples.items():
        zh = [line for line in lines if CJK.search(line)]
        en = [line for line in lines if not CJK.search(line) and re.search(r"[A-Za-z]", line)]
        assert len(zh) >= MIN_ZH, f"{intent}: {len(zh)} Chinese examples"
        assert len(en) >= MIN_EN, f"{intent}: {len(en)} English examples"


def test_no_example_appears_under_two_intents(examples: dict[str, list[str]]) -> None:
    owners: dict[str, set[str]] = {}
    for intent, lines in examples.items():
        for line in lines:
            owners.setdefault(line.casefold(), set()).add(intent)
    shared = {line: intents for line, intents in owners.items() if len(intents) > 1}
    assert not shared
    for intent, lines in examples.items():
        repeated = [line for line, count in Counter(lines).items() if count > 1]
        assert not repeated, f"{intent} repeats {repeated}"


def test_form_order_is_the_contract(domain: dict) -> None:
    assert tuple(domain["forms"]["intake_form"]["required_slots"]) == form_logic.DOMAIN_FORM_ORDER
    assert {"cancel", "help", "human_handoff", "switch_language", "correct"} <= set(
        domain["forms"]["intake_form"]["ignored_intents"])


def test_contract_slots_exist_and_do_not_steer_the_conversation(domain: dict) -> None:
    contract = {"locale", "kind", "category", "target", "description", "occurred_at", "anonymous",
                "reporter_name", "reporter_phone", "reporter_email", "confirmed", "tracking_no", "receipt",
                "correction_field"}
    assert contract <= set(domain["slots"])
    for name, slot in domain["slots"].items():
        assert slot.get("influence_conversation") is False, name
        assert slot["mappings"], name
    assert domain["slots"]["locale"]["initial_value"] == "zh"


def test_form_slots_are_filled_only_while_the_form_asks(domain: dict) -> None:
    for name in form_logic.DOMAIN_FORM_ORDER:
        for mapping in domain["slots"][name]["mappings"]:
            if mapping["type"] == "from_text":
                assert mapping["conditions"] == [{"active_loop": "intake_form", "requested_slot": name}], name


def test_every_form_slot_is_asked_and_validated_in_both_languages(domain: dict) -> None:
    responses = domain["responses"]
    for name in form_logic.DOMAIN_FORM_ORDER:
        for prefix in ("utter_ask_", "utter_invalid_"):
            assert set(variants_by_locale(responses[f"{prefix}{name}"])) == {None, "en"}, prefix + name


def test_every_response_has_chinese_default_and_english_variant(domain: dict) -> None:
    for name, variants in domain["responses"].items():
        by_locale = variants_by_locale(variants)
        assert set(by_locale) == {None, "en"}, name
        assert CJK.search(by_locale[None]["text"]), f"{name}: default variant is not Chinese"
        assert re.search(r"[A-Za-z]{3,}", by_locale["en"]["text"]), f"{name}: English variant is not English"
        assert placeholders(by_locale[None]["text"]) == placeholders(by_locale["en"]["text"]), name
        assert len(by_locale[None].get("buttons", [])) == len(by_locale["en"].get("buttons", [])), name


def test_required_responses_exist(domain: dict) -> None:
    for name in ("utter_greet", "utter_help", "utter_cancelled", "utter_handoff", "utter_goodbye",
                 "utter_out_of_scope", "utter_switched_language"):
        assert name in domain["responses"]


def test_summary_and_menu_placeholders(domain: dict) -> None:
    summary = variants_by_locale(domain["responses"]["utter_ask_confirmed"])[None]["text"]
    assert placeholders(summary) == {"kind", "category", "target", "description", "occurred_at", "anonymous",
                                     "reporter_name", "reporter_phone", "reporter_email"}
    assert placeholders(summary) == set(form_logic.summary_values({}, form_logic.load_catalogue(), "zh"))
    menu = variants_by_locale(domain["responses"]["utter_ask_category"])[None]["text"]
    assert placeholders(menu) == {"category_menu"}


def test_identity_questions_come_after_a_confidentiality_notice(domain: dict) -> None:
    ask = variants_by_locale(domain["responses"]["utter_ask_anonymous"])
    assert "保密" in ask[None]["text"] and "报复" in ask[None]["text"] and "回执码" in ask[None]["text"]
    assert "confidential" in ask["en"]["text"] and "retaliation" in ask["en"]["text"]


def test_button_payloads_name_domain_intents(domain: dict) -> None:
    for name, variants in domain["responses"].items():
        for variant in variants:
            for button in variant.get("buttons", []):
                intent = re.match(r"/(\w+)", button["payload"])
                assert intent and intent[1] in domain["intents"], f"{name}: {button['payload']}"


def test_rules_and_stories_use_only_domain_intents_and_actions(domain: dict) -> None:
    known_actions = set(domain["actions"]) | set(domain["responses"]) | set(domain["forms"]) | {
        "action_deactivate_loop", "action_listen"}
    for name, key in (("data/rules.yml", "rules"), ("data/stories.yml", "stories")):
        for block in load(name)[key]:
            for step in block["steps"]:
                if "intent" in step:
                    assert step["intent"] in [*domain["intents"], "nlu_fallback"], step
                if "action" in step:
                    assert step["action"] in known_actions, step


def test_every_domain_action_is_implemented(domain: dict) -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (PROJECT / "actions").glob("*.py"))
    implemented = set(re.findall(r'return "((?:action|validate)_\w+)"', source))
    assert set(domain["actions"]) == implemented


def test_entity_regexes_find_what_citizens_type(nlu: list[dict], domain: dict) -> None:
    regexes = {block["regex"]: [line[2:] for line in block["examples"].splitlines() if line.startswith("- ")]
               for block in nlu if "regex" in block}
    assert {"tracking_no", "receipt", "url", "phone", "email"} <= set(regexes) <= set(domain["entities"])
    samples = {
        "tracking_no": f"我的受理编号是{codes.new_tracking_no(date(2024, 5, 1))}",
        "receipt": f"回执码 {codes.format_receipt(codes.new_receipt_code())}",
        "phone": "电话13912345678",
        "email": "邮箱zhang.san@example.com",
        "url": "网址https://fake-bank.example.cn/login?id=1",
    }
    for entity, sample in samples.items():
        assert any(re.search(pattern, sample) for pattern in regexes[entity]), entity
    assert not any(re.search(p, "回执码 1234567812345678") for p in regexes["phone"])

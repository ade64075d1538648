from __future__ import annotations

import pytest

from config.settings import CONFIG_DIR
from intake_core.errors import UnknownCategory
from intake_core.model import Kind, Priority
from intake_core.priority import PriorityRules
from intake_core.taxonomy import Taxonomy

taxonomy = Taxonomy.from_yaml(CONFIG_DIR / "categories.yaml")
rules = PriorityRules.from_yaml(CONFIG_DIR / "priority.yaml")


def test_taxonomy_covers_the_rules_classes_national_classes_and_complaint_types() -> None:
    codes = {c.code for c in taxonomy.all()}
    assert {"anti_constitution", "separatism", "public_order_rumour", "defamation", "obscenity_violence",
            "site_image", "other_illegal"} <= codes
    assert {"political_harm", "violent_terrorism", "fraud", "pornography", "vulgar", "gambling",
            "rights_infringement", "rumour"} <= codes
    assert {"product_quality", "service", "online_transaction", "news_privacy", "credit_reporting",
            "medical_adverse_event", "internal_misconduct"} <= codes


def test_menus_are_numbered_per_kind_and_out_of_scope_categories_name_a_body() -> None:
    for kind in Kind:
        assert [c.number for c in taxonomy.of_kind(kind)] == list(range(1, len(taxonomy.of_kind(kind)) + 1))
    for category in taxonomy.all():
        assert category.in_scope or (category.referral("zh") and category.referral("en"))
        assert "description" in category.required


def test_unknown_category_names_the_field() -> None:
    with pytest.raises(UnknownCategory) as error:
        taxonomy.get("astrology")
    assert error.value.field == "category"


@pytest.mark.parametrize(("category", "text", "expected"), [
    ("fraud", "冒充客服骗钱", Priority.P2),
    ("fraud", "骗子威胁说要绑架我的孩子", Priority.P1),
    ("pornography", "群里在传儿童色情视频", Priority.P1),
    ("violent_terrorism", "宣扬暴力的视频", Priority.P1),
    ("site_image", "页面广告太多", Priority.P4),
    ("service", "客服态度差, 老人被骗", Priority.P2),
    ("rumour", "He said he would build a BOMB", Priority.P1),
])
def test_priority_from_category_and_keywords(category: str, text: str, expected: Priority) -> None:
    decision = rules.decide(taxonomy.get(category), text)
    assert decision.priority == expected
    assert decision.escalate == (expected == Priority.P1)

"""Our category taxonomy as Open311 GeoReport v2 services and service definitions."""

from __future__ import annotations

from typing import Any

from intake_core.model import Kind
from intake_core.taxonomy import Category, Taxonomy

KIND_NAMES = {Kind.COMPLAINT: {"zh": "投诉", "en": "Complaint"}, Kind.REPORT: {"zh": "举报", "en": "Report"}}

# What a category may require beyond the description, as GeoReport attributes (`attribute[<code>]`).
ATTRIBUTES: dict[str, dict[str, Any]] = {
    "target": {
        "datatype": "string",
        "description": {"zh": "举报或投诉对象：网址、账号或商家名称",
                        "en": "What the case is about: a URL, an account or a merchant"},
        "datatype_description": {"zh": "网址须以 http:// 或 https:// 开头",
                                 "en": "A URL starts with http:// or https://"},
    },
    "occurred_at": {
        "datatype": "datetime",
        "description": {"zh": "发生时间", "en": "When it happened"},
        "datatype_description": {"zh": "ISO 8601，含时区，例如 2026-11-23T15:00:00+08:00",
                                 "en": "ISO 8601 with a time zone, e.g. 2026-11-23T15:00:00+08:00"},
    },
}


def service_name(taxonomy: Taxonomy, code: str, locale: str) -> str:
    return taxonomy.get(code).name(locale) if code in taxonomy else code


def _needs_attributes(category: Category) -> bool:
    return bool(category.required & ATTRIBUTES.keys())


def _description(category: Category, locale: str, taxonomy: Taxonomy) -> str:
    group = next((g for g in taxonomy.groups if g.code == category.group), None)
    group_name = (group.name_en if locale == "en" else group.name_zh) if group else category.group
    referral = category.referral(locale)
    if category.in_scope or not referral:
        return group_name
    if locale == "en":
        return f"{group_name}. Outside our remit: we tell you where to turn ({referral})."
    return f"{group_name}。不属于本机构受理范围，将告知您向有权处理的机关反映（{referral}）。"


def service_list(taxonomy: Taxonomy, locale: str) -> list[dict[str, Any]]:
    return [{
        "service_code": category.code,
        "service_name": category.name(locale),
        "description": _description(category, locale, taxonomy),
        "metadata": _needs_attributes(category),
        "type": "realtime",
        "keywords": ",".join(category.synonyms),
        "group": KIND_NAMES[category.kind][locale],
    } for category in taxonomy.all()]


def service_definition(category: Category, locale: str) -> dict[str, Any]:
    attributes = []
    for order, (code, spec) in enumerate(ATTRIBUTES.items(), start=1):
        if code == "target" or code in category.required:
            attributes.append({
                "variable": True, "code": code, "datatype": spec["datatype"],
                "required": code in category.required,
                "datatype_description": spec["datatype_description"][locale],
                "order": order, "description": spec["description"][locale],
            })
    return {"service_code": category.code, "attributes": attributes}

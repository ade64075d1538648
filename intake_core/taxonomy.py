"""The two-level category taxonomy (groups of categories), loaded from YAML."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from intake_core.errors import UnknownCategory
from intake_core.model import Kind, Priority

FIELDS_A_CATEGORY_MAY_REQUIRE = frozenset({"target", "description", "occurred_at", "evidence"})


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    group: str
    kind: Kind
    name_zh: str
    name_en: str
    synonyms: tuple[str, ...]
    required: frozenset[str]
    in_scope: bool
    priority: Priority
    sla_profile: str
    number: int  # position in the menu of its kind, from 1
    referral_zh: str | None = None
    referral_en: str | None = None
    retention_years: int = 2

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_zh

    def referral(self, locale: str) -> str | None:
        return self.referral_en if locale == "en" else self.referral_zh

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name_zh, self.name_en, *self.synonyms)


@dataclass(frozen=True, slots=True)
class Group:
    code: str
    kind: Kind
    name_zh: str
    name_en: str
    categories: tuple[Category, ...]


class Taxonomy:
    def __init__(self, groups: Iterable[Group]) -> None:
        self.groups = tuple(groups)
        self._by_code = {c.code: c for g in self.groups for c in g.categories}

    @classmethod
    def from_yaml(cls, path: Path) -> Taxonomy:
        with open(path, encoding="utf-8") as handle:
            return cls.from_mapping(yaml.safe_load(handle))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Taxonomy:
        groups: list[Group] = []
        numbers: dict[Kind, int] = {}
        for raw_group in data["groups"]:
            kind = Kind(raw_group["kind"])
            categories = []
            for raw in raw_group["categories"]:
                numbers[kind] = numbers.get(kind, 0) + 1
                categories.append(_category(raw, raw_group["code"], kind, numbers[kind]))
            groups.append(Group(raw_group["code"], kind, raw_group["name"]["zh"], raw_group["name"]["en"],
                                tuple(categories)))
        return cls(groups)

    def get(self, code: str) -> Category:
        try:
            return self._by_code[code]
        except KeyError:
            raise UnknownCategory(f"unknown category '{code}'", field="category") from None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def of_kind(self, kind: Kind) -> list[Category]:
        return [c for g in self.groups if g.kind == kind for c in g.categories]

    def all(self) -> list[Category]:
        return list(self._by_code.values())


def _category(raw: Mapping[str, Any], group: str, kind: Kind, number: int) -> Category:
    required = frozenset(raw.get("required", [])) | {"description"}
    unknown = required - FIELDS_A_CATEGORY_MAY_REQUIRE
    if unknown:
        raise ValueError(f"category {raw['code']}: unknown required fields {sorted(unknown)}")
    synonyms = raw.get("synonyms", {})
    referral = raw.get("referral") or {}
    if not raw["in_scope"] and not referral:
        raise ValueError(f"category {raw['code']} is out of scope but names no referral body")
    return Category(
        code=raw["code"], group=group, kind=kind,
        name_zh=raw["name"]["zh"], name_en=raw["name"]["en"],
        synonyms=tuple(synonyms.get("zh", [])) + tuple(synonyms.get("en", [])),
        required=required, in_scope=bool(raw["in_scope"]),
        priority=Priority(raw.get("priority", "P3")), sla_profile=raw.get("sla_profile", "service"),
        number=number, referral_zh=referral.get("zh"), referral_en=referral.get("en"),
        retention_years=max(2, int(raw.get("retention_years", 2))),
    )

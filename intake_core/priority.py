"""Priority rules: category defaults raised by keyword rules from config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from intake_core.model import Priority
from intake_core.taxonomy import Category


@dataclass(frozen=True, slots=True)
class KeywordRule:
    priority: Priority
    reason: str
    keywords: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PriorityDecision:
    priority: Priority
    reasons: tuple[str, ...]

    @property
    def escalate(self) -> bool:
        return self.priority == Priority.P1


class PriorityRules:
    def __init__(self, rules: list[KeywordRule]) -> None:
        self.rules = rules

    @classmethod
    def from_yaml(cls, path: Path) -> PriorityRules:
        with open(path, encoding="utf-8") as handle:
            return cls.from_mapping(yaml.safe_load(handle))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PriorityRules:
        return cls([
            KeywordRule(Priority(r["priority"]), r["reason"], tuple(k.casefold() for k in r["keywords"]))
            for r in data.get("rules", [])
        ])

    def decide(self, category: Category, *texts: str | None) -> PriorityDecision:
        haystack = " ".join(t for t in texts if t).casefold()
        best = category.priority
        reasons = [f"category:{category.code}"]
        for rule in self.rules:
            if any(keyword in haystack for keyword in rule.keywords):
                reasons.append(f"keyword:{rule.reason}")
                best = min(best, rule.priority)  # "P1" < "P2": lower string is more urgent
        return PriorityDecision(best, tuple(reasons))

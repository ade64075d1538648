"""The Rasa project's domain and rules, read for the embedded engine.

Only the declarative parts are used: slot mappings, the form's ignored intents, responses
(with their locale conditions and buttons) and the rules' "intent -> actions" steps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FORM = "intake_form"


@dataclass(frozen=True, slots=True)
class SlotMapping:
    type: str  # from_text, from_intent, from_entity, custom
    intents: tuple[str, ...] = ()
    not_intents: tuple[str, ...] = ()
    entity: str | None = None
    value: Any = None
    conditions: tuple[tuple[str | None, str | None], ...] = ()  # (active_loop, requested_slot)

    def applies(self, active_loop: str | None, requested_slot: str | None) -> bool:
        if not self.conditions:
            return True
        return any(loop == active_loop and (wanted is None or wanted == requested_slot)
                   for loop, wanted in self.conditions)


@dataclass(frozen=True, slots=True)
class Rule:
    active_loop: str | None
    intent: str
    actions: tuple[str, ...]


@dataclass(slots=True)
class Domain:
    mappings: dict[str, list[SlotMapping]]
    responses: dict[str, list[dict[str, Any]]]
    ignored_intents: frozenset[str]
    rules: dict[tuple[str | None, str], Rule] = field(default_factory=dict)
    initial_values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, project: Path) -> Domain:
        domain = _read(project / "domain.yml")
        rules = _read(project / "data" / "rules.yml")
        mappings = {name: [_mapping(m) for m in spec.get("mappings", [])]
                    for name, spec in domain.get("slots", {}).items()}
        initial = {name: spec["initial_value"] for name, spec in domain.get("slots", {}).items()
                   if spec.get("initial_value") is not None}
        form = domain.get("forms", {}).get(FORM, {})
        parsed = cls(mappings=mappings, responses=domain.get("responses", {}),
                     ignored_intents=frozenset(form.get("ignored_intents", [])), initial_values=initial)
        for raw in rules.get("rules", []):
            rule = _rule(raw)
            if rule is not None:
                parsed.rules[(rule.active_loop, rule.intent)] = rule
        return parsed

    def response(self, name: str, slots: Mapping[str, Any]) -> dict[str, Any] | None:
        """The first variant whose slot conditions hold, as Rasa chooses it."""
        for variant in self.responses.get(name, []):
            conditions = variant.get("condition") or []
            if all(slots.get(c["name"]) == c["value"] for c in conditions if c.get("type") == "slot"):
                return variant
        return None


def _read(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def _mapping(raw: Mapping[str, Any]) -> SlotMapping:
    intents = raw.get("intent") or ()
    not_intents = raw.get("not_intent") or ()
    return SlotMapping(
        type=raw["type"],
        intents=tuple([intents] if isinstance(intents, str) else intents),
        not_intents=tuple([not_intents] if isinstance(not_intents, str) else not_intents),
        entity=raw.get("entity"), value=raw.get("value"),
        conditions=tuple((c.get("active_loop"), c.get("requested_slot")) for c in raw.get("conditions", [])),
    )


def _rule(raw: Mapping[str, Any]) -> Rule | None:
    """Rules of the shape: [condition active_loop], intent, then actions (loop bookkeeping dropped)."""
    loop = None
    for condition in raw.get("condition") or []:
        if "active_loop" in condition:
            loop = condition["active_loop"]
    steps = raw.get("steps") or []
    intents = [s["intent"] for s in steps if "intent" in s]
    if len(intents) != 1:
        return None  # the form-completion rule: the engine submits when the form ends
    actions = tuple(s["action"] for s in steps if "action" in s)
    return Rule(loop, intents[0], actions)

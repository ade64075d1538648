"""The embedded dialogue engine: runs the Rasa project's form, slot mappings, rules and responses
in-process, with the same validators (form_logic, fields) as the Rasa action server.

State between turns (stored by the core): {"slots", "active_form", "requested_slot"}, the same
shape the Rasa engine mirrors from Rasa's tracker, so either engine can continue the other's
conversation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from dialogue import fields, form_logic
from dialogue.domain import FORM, Domain
from dialogue.intent_matcher import IntentMatcher
from dialogue.payloads import apply_payload
from intake_core.messages import Button, InboundMessage, Reply, Turn

_BUTTON_PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$", re.DOTALL)
# While the form waits for an answer, free text that merely resembles "cancel" or "talk to a
# person" must not interrupt it: interruptions need a confident match.
INTERRUPT_CONFIDENCE = 0.6
RASA_PROJECT = Path(__file__).with_name("rasa")


@dataclass(slots=True)
class _Context:
    """One turn in progress."""

    text: str
    intent: str | None
    entities: dict[str, Any]
    slots: dict[str, Any]
    active_form: str | None
    requested_slot: str | None
    now: datetime
    extracted: list[str] = field(default_factory=list)
    turn: Turn = field(default_factory=Turn)


class EmbeddedEngine:
    def __init__(self, project: Path = RASA_PROJECT, catalogue: form_logic.Catalogue | None = None,
                 clock: Callable[[], datetime] = form_logic.now_in_shanghai) -> None:
        self.domain = Domain.load(project)
        self.matcher = IntentMatcher.from_nlu(project / "data" / "nlu.yml")
        self.catalogue = catalogue or form_logic.load_catalogue()
        self.clock = clock
        self._actions: dict[str, Callable[[_Context], None]] = {
            "intake_form": self._run_form,
            "action_deactivate_loop": self._deactivate,
            "action_submit_intake": self._submit,
            "action_cancel_intake": self._cancel,
            "action_request_handoff": self._handoff,
            "action_query_status": self._query_status,
            "action_add_information": self._add_information,
            "action_request_review": self._request_review,
            "action_correct_field": self._correct,
            "action_switch_language": self._switch_language,
        }

    async def handle(self, message: InboundMessage, state: dict[str, Any]) -> Turn:
        slots = {**self.domain.initial_values, **(state.get("slots") or {})}
        if not state and message.locale in ("zh", "en"):
            slots["locale"] = message.locale
        text = fields.normalize_text(message.text)
        intent, confidence, entities = self._understand(text)
        active_form = state.get("active_form")
        if active_form and intent in self.domain.ignored_intents and confidence < INTERRUPT_CONFIDENCE:
            intent = None
        context = _Context(text, intent, entities, slots, state.get("active_form"), state.get("requested_slot"),
                           self.clock())
        if not self._acceptable(context, message):
            self._ask_again(context)
        else:
            self._extract_slots(context)
            rule = self.domain.rules.get((context.active_form, intent or ""))
            if rule is not None:
                for action in rule.actions:
                    self._run(action, context)
            elif context.active_form:
                self._run_form(context)
            else:
                self._utter(context, "utter_default")
        turn = context.turn
        turn.locale = form_logic.locale_of(context.slots)
        turn.state = {"slots": {k: v for k, v in context.slots.items() if v is not None},
                      "active_form": context.active_form, "requested_slot": context.requested_slot}
        if context.active_form:
            turn.missing = tuple(form_logic.missing_slots(context.slots, self.catalogue.category_required))
        return turn

    # -- understanding ---------------------------------------------------------------------------
    def _understand(self, text: str) -> tuple[str | None, float, dict[str, Any]]:
        button = _BUTTON_PAYLOAD.match(text)
        if button:  # a button's payload names its intent (and entities) outright, as in Rasa
            try:
                given = json.loads(button.group(2)) if button.group(2) else {}
            except ValueError:
                given = {}
            return button.group(1), 1.0, given if isinstance(given, dict) else {}
        entities: dict[str, Any] = {}
        for name, finder in (("tracking_no", fields.find_tracking_no), ("receipt", fields.find_receipt),
                             ("url", fields.find_url), ("email", fields.find_email)):
            value = finder(text)
            if value:
                entities[name] = value
        phone = fields.find_phone(text)
        if phone:
            entities["phone"] = phone.e164
        guess = self.matcher.classify(text)
        return guess.intent, guess.confidence, entities

    def _acceptable(self, context: _Context, message: InboundMessage) -> bool:
        """Empty, garbage and unsupported-language messages get a clear reply and change nothing."""
        if not context.text:
            self._utter(context, "utter_evidence_received" if message.attachments else "utter_empty")
            return False
        if context.text.startswith("/"):
            return True
        if fields.looks_like_garbage(context.text):
            self._utter(context, "utter_default")
            return False
        if fields.detect_language(context.text) == "other":
            self._utter(context, "utter_unsupported_language")
            return False
        return True

    def _extract_slots(self, context: _Context) -> None:
        """Slot mappings, as Rasa's action_extract_slots applies them after every user message."""
        ignored = context.active_form is not None and context.intent in self.domain.ignored_intents
        for slot, mappings in self.domain.mappings.items():
            for mapping in mappings:
                if ignored and mapping.type in ("from_text", "from_intent"):
                    continue
                if not mapping.applies(context.active_form, context.requested_slot):
                    continue
                if context.intent in mapping.not_intents:
                    continue
                value = self._mapped_value(mapping.type, mapping.intents, mapping.entity, mapping.value, context)
                if value is not None:
                    context.slots[slot] = value
                    context.extracted.append(slot)
                    break

    @staticmethod
    def _mapped_value(kind: str, intents: tuple[str, ...], entity: str | None, value: Any,
                      context: _Context) -> Any:
        if kind == "from_text":
            return context.text
        if kind == "from_intent":
            return value if context.intent in intents else None
        if kind == "from_entity":
            return context.entities.get(entity or "")
        return None

    # -- the form --------------------------------------------------------------------------------
    def _run_form(self, context: _Context) -> None:
        context.active_form = FORM
        for slot in list(dict.fromkeys(context.extracted)):
            if slot in form_logic.DOMAIN_FORM_ORDER and slot != "locale":
                self._validate(context, slot)
        context.extracted.clear()
        missing = form_logic.next_slot(context.slots, self.catalogue.category_required)
        if missing is None:
            context.active_form = context.requested_slot = None
            self._submit(context)
            return
        context.requested_slot = missing
        self._ask(context, missing)

    def _validate(self, context: _Context, slot: str) -> None:
        value = context.slots.get(slot)
        updates = form_logic.interpret(slot, value, context.slots, self.catalogue, context.now,
                                       intent=context.intent, message=context.text)
        if updates is None:
            self._utter(context, f"utter_invalid_{slot}")
            context.slots[slot] = None
        else:
            context.slots.update(updates)

    def _ask(self, context: _Context, slot: str) -> None:
        locale = form_logic.locale_of(context.slots)
        if slot == "category":
            menu = form_logic.category_menu(self.catalogue, context.slots.get("kind"), locale)
            self._utter(context, "utter_ask_category", category_menu=menu)
        elif slot == "confirmed":
            self._utter(context, "utter_ask_confirmed",
                        **form_logic.summary_values(context.slots, self.catalogue, locale))
        else:
            self._utter(context, f"utter_ask_{slot}")

    def _ask_again(self, context: _Context) -> None:
        if context.active_form and context.requested_slot:
            self._ask(context, context.requested_slot)

    def _deactivate(self, context: _Context) -> None:
        context.active_form = context.requested_slot = None

    # -- custom actions, as the action server runs them ------------------------------------------
    def _submit(self, context: _Context) -> None:
        if context.slots.get("confirmed") is not True:
            return
        apply_payload(context.turn, form_logic.draft_payload(context.slots))
        self._reset(context)

    def _cancel(self, context: _Context) -> None:
        self._utter(context, "utter_cancelled")
        context.turn.cancelled = True
        self._reset(context)

    def _handoff(self, context: _Context) -> None:
        self._utter(context, "utter_handoff")
        context.turn.handoff_requested = True
        self._reset(context)

    def _case_reference(self, context: _Context) -> tuple[str | None, str | None]:
        tracking_no = fields.find_tracking_no(context.text) or context.slots.get("tracking_no")
        receipt = fields.find_receipt(context.text) or context.slots.get("receipt")
        context.slots["tracking_no"], context.slots["receipt"] = tracking_no, receipt
        return tracking_no, receipt

    def _query_status(self, context: _Context) -> None:
        tracking_no, receipt = self._case_reference(context)
        if not (tracking_no or receipt):
            self._utter(context, "utter_ask_tracking_no")
            return
        apply_payload(context.turn, {"intake": {"type": "status", "tracking_no": tracking_no, "receipt": receipt}})

    def _add_information(self, context: _Context) -> None:
        tracking_no, receipt = self._case_reference(context)
        if not (tracking_no or receipt) or context.text.startswith("/"):
            self._utter(context, "utter_ask_addition")
            return
        apply_payload(context.turn, {"intake": {"type": "add_information", "tracking_no": tracking_no,
                                                "receipt": receipt, "text": context.text}})

    def _request_review(self, context: _Context) -> None:
        tracking_no, receipt = self._case_reference(context)
        if not (tracking_no or receipt) or context.text.startswith("/"):
            self._utter(context, "utter_ask_review_case")
            return
        apply_payload(context.turn, {"intake": {"type": "review", "tracking_no": tracking_no,
                                                "receipt": receipt, "text": context.text}})

    def _correct(self, context: _Context) -> None:
        if context.active_form != FORM:
            self._utter(context, "utter_nothing_to_correct")
            return
        slots = {**context.slots, "requested_slot": context.requested_slot}
        updates = form_logic.correction_for_message(context.text, slots, self.catalogue, context.now,
                                                    field=context.entities.get("correction_field"))
        if updates is None:
            self._utter(context, "utter_invalid_correction_field")
            return
        context.slots.update(updates)

    def _switch_language(self, context: _Context) -> None:
        chosen = context.entities.get("locale")
        if chosen not in ("zh", "en"):
            chosen = form_logic.requested_locale(context.text, form_logic.locale_of(context.slots))
        context.slots["locale"] = chosen
        self._utter(context, "utter_switched_language")

    def _reset(self, context: _Context) -> None:
        for name in form_logic.RESETTABLE_SLOTS:
            context.slots[name] = None
        context.active_form = context.requested_slot = None

    # -- responses -------------------------------------------------------------------------------
    def _run(self, action: str, context: _Context) -> None:
        if action.startswith("utter_"):
            self._utter(context, action)
        else:
            self._actions[action](context)

    def _utter(self, context: _Context, name: str, **values: Any) -> None:
        variant = self.domain.response(name, context.slots)
        if variant is None:
            return
        text = str(variant.get("text", ""))
        for key, value in {**{k: v for k, v in context.slots.items() if v is not None}, **values}.items():
            text = text.replace("{" + key + "}", str(value))
        buttons = tuple(Button(str(b["title"]), str(b["payload"])) for b in variant.get("buttons") or [])
        context.turn.replies.append(Reply(text, buttons))

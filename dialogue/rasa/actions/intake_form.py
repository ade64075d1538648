"""The intake form: which slots it asks (form_logic.required_slots) and how answers are validated."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from dialogue import form_logic

from .shared import catalogue, current_locale, latest_intent, latest_text

Updates = dict[str, Any]


class ValidateIntakeForm(FormValidationAction):
    def name(self) -> str:
        return "validate_intake_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        return form_logic.required_slots(tracker.slots, catalogue().category_required)

    def _validate(self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> Updates:
        updates = form_logic.interpret(slot, value, tracker.slots, catalogue(), form_logic.now_in_shanghai(),
                                       intent=latest_intent(tracker), message=latest_text(tracker))
        if updates is None:
            dispatcher.utter_message(response=f"utter_invalid_{slot}")
            return {slot: None}
        return updates

    def validate_kind(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> Updates:
        return self._validate("kind", value, dispatcher, tracker)

    def validate_category(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> Updates:
        return self._validate("category", value, dispatcher, tracker)

    def validate_target(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: DomainDict) -> Updates:
        return self._validate("target", value, dispatcher, tracker)

    def validate_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> Updates:
        return self._validate("description", value, dispatcher, tracker)

    def validate_occurred_at(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> Updates:
        return self._validate("occurred_at", value, dispatcher, tracker)

    def validate_anonymous(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> Updates:
        return self._validate("anonymous", value, dispatcher, tracker)

    def validate_reporter_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Updates:
        return self._validate("reporter_name", value, dispatcher, tracker)

    def validate_reporter_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Updates:
        return self._validate("reporter_phone", value, dispatcher, tracker)

    def validate_reporter_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Updates:
        return self._validate("reporter_email", value, dispatcher, tracker)

    def validate_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> Updates:
        return self._validate("confirmed", value, dispatcher, tracker)

    def validate_correction_field(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Updates:
        return self._validate(form_logic.CORRECTION_SLOT, value, dispatcher, tracker)


class ActionAskCategory(Action):
    """utter_ask_category with the numbered menu of the chosen kind from categories.yaml."""

    def name(self) -> str:
        return "action_ask_category"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        menu = form_logic.category_menu(catalogue(), tracker.get_slot("kind"), current_locale(tracker))
        dispatcher.utter_message(response="utter_ask_category", category_menu=menu)
        return []


class ActionAskConfirmed(Action):
    """utter_ask_confirmed with display values (category names, not codes) in its placeholders."""

    def name(self) -> str:
        return "action_ask_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        values = form_logic.summary_values(tracker.slots, catalogue(), current_locale(tracker))
        dispatcher.utter_message(response="utter_ask_confirmed", **values)
        return []

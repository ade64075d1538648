"""Finishing, abandoning, correcting and re-languaging an intake."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from dialogue import form_logic

from .shared import catalogue, current_locale, latest_text, render_response, reset_intake, slot_events


class ActionSubmitIntake(Action):
    """Hands the confirmed draft to the service, which registers it and tells the tracking number."""

    def name(self) -> str:
        return "action_submit_intake"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_slot("confirmed") is not True:
            return []  # the form only ends confirmed; anything else is not ours to submit
        dispatcher.utter_message(json_message=form_logic.draft_payload(tracker.slots))
        return reset_intake()


class ActionCancelIntake(Action):
    def name(self) -> str:
        return "action_cancel_intake"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_cancelled")
        dispatcher.utter_message(json_message={"intake": {"type": "cancelled"}})
        return reset_intake()


class ActionCorrectField(Action):
    """"电话改成139…": reset the named slot, fill it when the new value is given; the form re-asks."""

    def name(self) -> str:
        return "action_correct_field"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.active_loop_name != "intake_form":
            dispatcher.utter_message(response="utter_nothing_to_correct")
            return []
        chosen = next(tracker.get_latest_entity_values("correction_field"), None)  # from a button
        updates = form_logic.correction_for_message(latest_text(tracker), tracker.slots, catalogue(),
                                                    form_logic.now_in_shanghai(), field=chosen)
        if updates is None:
            dispatcher.utter_message(response="utter_invalid_correction_field")
            return []
        return slot_events(updates)


class ActionSwitchLanguage(Action):
    def name(self) -> str:
        return "action_switch_language"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        chosen = next(tracker.get_latest_entity_values("locale"), None)
        if chosen not in ("zh", "en"):
            chosen = form_logic.requested_locale(latest_text(tracker), current_locale(tracker))
        dispatcher.utter_message(**render_response(domain, "utter_switched_language", chosen))
        return [SlotSet("locale", chosen)]

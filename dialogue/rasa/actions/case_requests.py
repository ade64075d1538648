"""Requests the service answers itself: a person, the status of a case, more information for it."""

from __future__ import annotations

from collections.abc import Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from dialogue import fields
from intake_core import codes

from .shared import latest_text, reset_intake


def case_reference(tracker: Tracker) -> tuple[str | None, str | None]:
    """(tracking number, receipt code) named in this message, else the ones named earlier."""
    text = latest_text(tracker)
    named = (fields.find_tracking_no(text), fields.find_receipt(text))
    if any(named):
        return named
    return (_normalized(tracker.get_slot("tracking_no"), codes.normalize_tracking_no),
            _normalized(tracker.get_slot("receipt"), codes.normalize_receipt))


def _normalized(value: object, normalize: Callable[[str], str | None]) -> str | None:
    return normalize(value) if isinstance(value, str) and value else None


def remember(tracking_no: str | None, receipt: str | None) -> list[EventType]:
    return [SlotSet("tracking_no", tracking_no), SlotSet("receipt", receipt)]


class ActionRequestHandoff(Action):
    def name(self) -> str:
        return "action_request_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_handoff")
        dispatcher.utter_message(json_message={"intake": {"type": "handoff"}})
        return reset_intake()


class ActionQueryStatus(Action):
    def name(self) -> str:
        return "action_query_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        tracking_no, receipt = case_reference(tracker)
        if not (tracking_no or receipt):
            dispatcher.utter_message(response="utter_ask_tracking_no")
            return []
        dispatcher.utter_message(json_message={"intake": {
            "type": "status", "tracking_no": tracking_no, "receipt": receipt}})
        return remember(tracking_no, receipt)


class ActionAddInformation(Action):
    def name(self) -> str:
        return "action_add_information"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        tracking_no, receipt = case_reference(tracker)
        text = latest_text(tracker).strip()
        if not (tracking_no or receipt) or text.startswith("/"):
            dispatcher.utter_message(response="utter_ask_addition")
            return []
        dispatcher.utter_message(json_message={"intake": {
            "type": "add_information", "tracking_no": tracking_no, "receipt": receipt, "text": text}})
        return remember(tracking_no, receipt)


class ActionRequestReview(Action):
    def name(self) -> str:
        return "action_request_review"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        tracking_no, receipt = case_reference(tracker)
        text = latest_text(tracker).strip()
        if not (tracking_no or receipt) or text.startswith("/"):
            dispatcher.utter_message(response="utter_ask_review_case")
            return []
        dispatcher.utter_message(json_message={"intake": {
            "type": "review", "tracking_no": tracking_no, "receipt": receipt, "text": text}})
        return remember(tracking_no, receipt)

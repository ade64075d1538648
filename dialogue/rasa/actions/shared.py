"""What every action needs: the category catalogue, the clock, slot resets, response rendering."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from dialogue import form_logic


@lru_cache(maxsize=1)
def catalogue() -> form_logic.Catalogue:
    # Read once per action-server process; INTAKE_CATEGORIES_FILE selects the file.
    return form_logic.load_catalogue()


def current_locale(tracker: Tracker) -> str:
    return form_logic.locale_of(tracker.slots)


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def slot_events(updates: dict[str, Any]) -> list[EventType]:
    return [SlotSet(name, value) for name, value in updates.items()]


def reset_intake() -> list[EventType]:
    """Forget the intake (the locale and any case reference stay)."""
    return [SlotSet(name, None) for name in form_logic.RESETTABLE_SLOTS]


def render_response(domain: dict[str, Any], name: str, locale: str, **values: Any) -> dict[str, Any]:
    """A response in an explicit locale, for when the locale slot is about to change.

    Rasa picks response variants by the slot values *before* the action's events apply,
    so an action that switches the language renders the new language's variant itself.
    """
    variants = domain.get("responses", {}).get(name, [])
    chosen = next((v for v in variants if _locale_condition(v) == locale), None)
    chosen = chosen or next((v for v in variants if not v.get("condition")), {})
    text = chosen.get("text", "")
    for key, value in values.items():
        text = text.replace("{" + key + "}", str(value))
    message: dict[str, Any] = {"text": text}
    if chosen.get("buttons"):
        message["buttons"] = chosen["buttons"]
    return message


def _locale_condition(variant: dict[str, Any]) -> str | None:
    for condition in variant.get("condition") or []:
        if condition.get("type") == "slot" and condition.get("name") == "locale":
            return condition.get("value")
    return None

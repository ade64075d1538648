"""The Rasa engine: a client of the Rasa server's REST channel.

Rasa keeps the conversation in its tracker; after each turn the slots are mirrored into the
state the core stores, so that when Rasa does not answer, the embedded engine carries on from
the same place and the conversation is not lost.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

from dialogue import form_logic
from dialogue.payloads import apply_payload
from intake_core.messages import Button, InboundMessage, Reply, Turn
from intake_core.ports import Dialogue

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    pass


class RasaEngine:
    def __init__(self, base_url: str, fallback: Dialogue, timeout: float = 10.0,
                 client: httpx.AsyncClient | None = None,
                 category_required: Mapping[str, frozenset[str]] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.fallback = fallback
        self.category_required = category_required or {}
        self.client = client or httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=2.0))

    async def handle(self, message: InboundMessage, state: dict[str, Any]) -> Turn:
        try:
            return await self._ask_rasa(message, state)
        except (httpx.HTTPError, RasaUnavailable, ValueError) as error:
            log.warning("rasa did not answer; the embedded engine takes this turn",
                        extra={"error": type(error).__name__})
            turn = await self.fallback.handle(message, state)
            turn.state = {**turn.state, "resync_rasa": True}
            return turn

    async def _ask_rasa(self, message: InboundMessage, state: dict[str, Any]) -> Turn:
        sender = message.conversation_key
        if state.get("resync_rasa") or (not state and message.locale == "en"):
            await self._push_slots(sender, state, message.locale)
        response = await self.client.post(f"{self.base_url}/webhooks/rest/webhook", json={
            "sender": sender, "message": message.text, "metadata": {"channel": message.channel}})
        if response.status_code >= 500:
            raise RasaUnavailable(f"status {response.status_code}")
        response.raise_for_status()
        turn = Turn()
        for item in response.json():
            if "custom" in item and isinstance(item["custom"], dict):
                apply_payload(turn, item["custom"])
            if item.get("text"):
                buttons = tuple(Button(b.get("title", ""), b.get("payload", "")) for b in item.get("buttons") or [])
                turn.replies.append(Reply(item["text"], buttons))
        turn.state = await self._mirror(sender)
        slots = turn.state.get("slots", {})
        turn.locale = "en" if slots.get("locale") == "en" else "zh"
        if turn.state.get("active_form") and self.category_required:
            turn.missing = tuple(form_logic.missing_slots(slots, self.category_required))
        return turn

    async def _mirror(self, sender: str) -> dict[str, Any]:
        response = await self.client.get(f"{self.base_url}/conversations/{sender}/tracker",
                                         params={"include_events": "NONE"})
        response.raise_for_status()
        tracker = response.json()
        slots = {k: v for k, v in (tracker.get("slots") or {}).items() if v is not None}
        active = (tracker.get("active_loop") or {}).get("name")
        return {"slots": slots, "active_form": active, "requested_slot": slots.pop("requested_slot", None)}

    async def _push_slots(self, sender: str, state: dict[str, Any], locale: str | None) -> None:
        """Bring Rasa's tracker up to what the embedded engine gathered while Rasa was away."""
        slots = dict(state.get("slots") or {})
        if locale and "locale" not in slots:
            slots["locale"] = locale
        events: list[dict[str, Any]] = [{"event": "slot", "name": k, "value": v} for k, v in slots.items()]
        if state.get("active_form"):
            events.append({"event": "active_loop", "name": state["active_form"]})
            events.append({"event": "slot", "name": "requested_slot", "value": state.get("requested_slot")})
        if events:
            response = await self.client.post(f"{self.base_url}/conversations/{sender}/tracker/events",
                                              json=events, params={"include_events": "NONE"})
            response.raise_for_status()

    async def close(self) -> None:
        await self.client.aclose()

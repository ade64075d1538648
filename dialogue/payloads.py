"""The custom JSON payloads that end a dialogue step, turned into what the core acts on.

Both engines produce these payloads (the Rasa action server sends them as custom messages;
the embedded engine builds the same dictionaries), so both register identical cases.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dialogue import fields
from intake_core.messages import InformationAddition, StatusQuery, Turn
from intake_core.model import IntakeDraft, Kind, ReporterIdentity, TargetType


def apply_payload(turn: Turn, payload: dict[str, Any]) -> None:
    """Fold one `{"intake": {...}}` payload into the turn."""
    body = payload.get("intake")
    if not isinstance(body, dict):
        return
    kind = body.get("type")
    if kind == "draft":
        turn.draft = draft_from_payload(body["draft"])
    elif kind == "handoff":
        turn.handoff_requested = True
    elif kind == "status":
        turn.status_query = StatusQuery(tracking_no=body.get("tracking_no"), receipt=body.get("receipt"))
    elif kind == "add_information":
        turn.addition = InformationAddition(text=body.get("text") or "", tracking_no=body.get("tracking_no"),
                                            receipt=body.get("receipt"))
    elif kind == "review":
        turn.review_request = InformationAddition(text=body.get("text") or "", tracking_no=body.get("tracking_no"),
                                                  receipt=body.get("receipt"))
    elif kind == "cancelled":
        turn.cancelled = True


def draft_from_payload(draft: dict[str, Any]) -> IntakeDraft:
    identity = draft.get("identity") or {}
    target = draft.get("target")
    occurred = draft.get("occurred_at")
    return IntakeDraft(
        kind=Kind(draft["kind"]),
        category=draft["category"],
        description=draft.get("description") or "",
        channel="",  # the conversation service fills in where the message came from
        target=target,
        target_type=target_type_of(target),
        occurred_at=datetime.fromisoformat(occurred) if occurred else None,
        anonymous=bool(draft.get("anonymous")),
        identity=ReporterIdentity(name=identity.get("name"), phone=identity.get("phone"),
                                  email=identity.get("email")),
        locale="en" if draft.get("locale") == "en" else "zh",
    )


def target_type_of(target: str | None) -> TargetType | None:
    if not target:
        return None
    if fields.parse_url(target) == target or target.lower().startswith(("http://", "https://")):
        return TargetType.URL
    if target.startswith("@"):
        return TargetType.ACCOUNT
    return TargetType.OTHER

"""What channels hand to the core and what the dialogue hands back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from intake_core.model import EvidenceItem, IntakeDraft


@dataclass(frozen=True, slots=True)
class InboundMessage:
    channel: str
    conversation_key: str
    sender_handle: str  # channel-specific address of the sender; identity, never logged
    text: str
    idempotency_key: str
    received_at: datetime
    attachments: tuple[EvidenceItem, ...] = ()
    locale: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class StatusQuery:
    tracking_no: str | None = None
    receipt: str | None = None


@dataclass(frozen=True, slots=True)
class InformationAddition:
    text: str
    tracking_no: str | None = None
    receipt: str | None = None
    evidence: tuple[EvidenceItem, ...] = ()


@dataclass(slots=True)
class Turn:
    """One dialogue step: what to say, and at most one thing for the core to act on."""

    replies: list[Reply] = field(default_factory=list)
    draft: IntakeDraft | None = None
    handoff_requested: bool = False
    status_query: StatusQuery | None = None
    addition: InformationAddition | None = None
    review_request: InformationAddition | None = None  # the case to review and the citizen's reasons
    cancelled: bool = False
    locale: str = "zh"
    missing: tuple[str, ...] = ()  # while a form runs: the fields the draft still lacks, in asking order
    state: dict[str, Any] = field(default_factory=dict)

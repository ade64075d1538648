"""Past-tense domain events. Their payloads go to the outbox and the handoff queue,
so they carry codes and references only, never reporter identity or free text."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Event:
    topic: ClassVar[str] = "event"

    def payload(self) -> dict[str, Any]:
        return {"event": type(self).__name__, **asdict(self)}


@dataclass(frozen=True, slots=True)
class CaseRegistered(Event):
    topic: ClassVar[str] = "cases"
    tracking_no: str
    kind: str
    category: str
    priority: str
    channel: str
    answer_by: str
    cluster_id: int | None
    anonymous: bool


@dataclass(frozen=True, slots=True)
class CaseEscalated(Event):
    """A major incident: the supervisor is told at once."""

    topic: ClassVar[str] = "escalations"
    tracking_no: str
    category: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CaseReferred(Event):
    topic: ClassVar[str] = "cases"
    tracking_no: str
    category: str


@dataclass(frozen=True, slots=True)
class StatusChanged(Event):
    topic: ClassVar[str] = "cases"
    tracking_no: str
    from_status: str
    to_status: str
    actor: str


@dataclass(frozen=True, slots=True)
class InformationAdded(Event):
    topic: ClassVar[str] = "cases"
    tracking_no: str
    evidence_count: int


@dataclass(frozen=True, slots=True)
class HandoffRequested(Event):
    topic: ClassVar[str] = "handoff"
    conversation_key: str
    channel: str

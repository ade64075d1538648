"""The case model: what a citizen files and what the organisation keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    COMPLAINT = "complaint"  # 投诉
    REPORT = "report"  # 举报


class Priority(StrEnum):
    P1 = "P1"  # major incident: escalate at once, handle first, register after
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class Jurisdiction(StrEnum):
    IN_SCOPE = "in_scope"
    REFERRAL = "referral"


class TargetType(StrEnum):
    URL = "url"
    ACCOUNT = "account"
    MERCHANT = "merchant"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    name: str
    media_type: str
    size: int
    sha256: str
    stored_path: str


@dataclass(frozen=True, slots=True)
class ReporterIdentity:
    """All voluntary. Never logged, never queued; sealed before it is stored."""

    name: str | None = None
    organisation: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None

    def is_empty(self) -> bool:
        return not any((self.name, self.organisation, self.phone, self.email, self.address))

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (
            ("name", self.name), ("organisation", self.organisation), ("phone", self.phone),
            ("email", self.email), ("address", self.address),
        ) if v}


@dataclass(slots=True)
class IntakeDraft:
    """Everything a completed dialogue (or an integration) hands to the core."""

    kind: Kind
    category: str
    description: str
    channel: str
    target: str | None = None
    target_type: TargetType | None = None
    occurred_at: datetime | None = None
    evidence: list[EvidenceItem] = field(default_factory=list)
    anonymous: bool = False
    identity: ReporterIdentity = field(default_factory=ReporterIdentity)
    locale: str = "zh"
    first_receiver: str | None = None  # staff member or desk that first received it (首问负责制)
    conversation_key: str | None = None
    contact_route: str | None = None  # opaque route back to the citizen's channel; sealed with identity
    sender_digest: str | None = None  # keyed hash of the sender's address, for "same sender" follow-up
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Deadlines:
    acknowledge_by: datetime
    progress_notice_by: datetime
    answer_by: datetime
    answer_extended_by: datetime | None = None
    review_by: datetime | None = None


@dataclass(slots=True)
class Case:
    id: int | None
    tracking_no: str
    kind: Kind
    category: str
    status: str
    priority: Priority
    jurisdiction: Jurisdiction
    channel: str
    description: str
    received_at: datetime
    deadlines: Deadlines
    sla_profile: str
    anonymous: bool
    target: str | None = None
    target_type: TargetType | None = None
    target_canonical: str | None = None
    cluster_id: int | None = None
    occurred_at: datetime | None = None
    first_receiver: str | None = None
    referral_body: str | None = None
    locale: str = "zh"
    evidence: list[EvidenceItem] = field(default_factory=list)
    public_answer: str | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    conversation_key: str | None = None

"""HTTP API for integrations: file a case, follow a case."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from channels.rate_limit import rate_limited
from intake_core.errors import ValidationFailed
from intake_core.evidence_store import FileEvidenceStore
from intake_core.model import EvidenceItem, IntakeDraft, Kind, ReporterIdentity, TargetType
from intake_core.service import IntakeService
from intake_core.views import CaseStatusView, Registration

router = APIRouter(prefix="/api/v1", tags=["cases"])


class Reporter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=200)
    organisation: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    address: str | None = Field(None, max_length=500)


class EvidenceUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=255)
    media_type: str = Field("application/octet-stream", max_length=128)
    content_base64: str


class CaseSubmission(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Kind
    category: str = Field(max_length=64)
    description: str
    target: str | None = None
    target_type: TargetType | None = None
    occurred_at: datetime | None = None
    anonymous: bool = False
    reporter: Reporter | None = None
    locale: Literal["zh", "en"] = "zh"
    evidence: list[EvidenceUpload] = Field(default_factory=list, max_length=20)


class RegistrationOut(BaseModel):
    tracking_no: str
    status: str
    priority: str
    jurisdiction: str
    acknowledge_by: datetime
    answer_by: datetime
    receipt: str | None = Field(None, description="Shown once, for anonymous follow-up; never stored in clear")
    referral: str | None = Field(None, description="Where to turn when the case is outside our remit")
    duplicate_cluster_size: int

    @classmethod
    def of(cls, registration: Registration) -> RegistrationOut:
        return cls(tracking_no=registration.tracking_no, status=registration.status,
                   priority=registration.priority, jurisdiction=registration.jurisdiction,
                   acknowledge_by=registration.acknowledge_by, answer_by=registration.answer_by,
                   receipt=registration.receipt, referral=registration.referral,
                   duplicate_cluster_size=registration.cluster_size)


class DeadlinesOut(BaseModel):
    acknowledge_by: datetime
    progress_notice_by: datetime
    answer_by: datetime
    answer_extended_by: datetime | None
    review_by: datetime | None


class CaseStatusOut(BaseModel):
    tracking_no: str
    kind: str
    category: str
    status: str
    received_at: datetime
    deadlines: DeadlinesOut
    public_answer: str | None
    answered_at: datetime | None
    referral: str | None
    staff_messages: list[str] = Field(default_factory=list,
                                      description="Staff messages that could not be delivered through the channel")

    @classmethod
    def of(cls, view: CaseStatusView) -> CaseStatusOut:
        d = view.deadlines
        return cls(tracking_no=view.tracking_no, kind=view.kind, category=view.category, status=view.status,
                   received_at=view.received_at, public_answer=view.public_answer, answered_at=view.answered_at,
                   referral=view.referral, staff_messages=list(view.waiting_messages), deadlines=DeadlinesOut(
                       acknowledge_by=d.acknowledge_by, progress_notice_by=d.progress_notice_by,
                       answer_by=d.answer_by, answer_extended_by=d.answer_extended_by, review_by=d.review_by))


def _service(request: Request) -> IntakeService:
    service: IntakeService = request.app.state.service
    return service


async def _store_evidence(store: FileEvidenceStore, uploads: list[EvidenceUpload]) -> list[EvidenceItem]:
    items = []
    for index, upload in enumerate(uploads):
        try:
            content = base64.b64decode(upload.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed(f"evidence[{index}].content_base64 is not base64",
                                   field=f"evidence[{index}].content_base64") from None
        items.append(await store.store(upload.name, upload.media_type, content))
    return items


@router.post("/cases", status_code=201, response_model=RegistrationOut,
             responses={400: {"description": "Invalid submission (problem+json)"}},
             dependencies=[Depends(rate_limited("submit"))])
async def submit_case(body: CaseSubmission, request: Request, response: Response,
                      idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> RegistrationOut:
    """File a case. Repeating a request with the same `Idempotency-Key` returns the first registration."""
    service = _service(request)
    identity = ReporterIdentity(**body.reporter.model_dump()) if body.reporter else ReporterIdentity()
    draft = IntakeDraft(
        kind=body.kind, category=body.category, description=body.description, channel="api",
        target=body.target, target_type=body.target_type, occurred_at=body.occurred_at,
        anonymous=body.anonymous, identity=identity, locale=body.locale)
    # Validate before touching the disk, so a rejected request writes nothing.
    service.validate(draft)
    draft.evidence = await _store_evidence(request.app.state.evidence_store, body.evidence)
    registration = await service.submit(draft, idempotency_key=f"api:{idempotency_key}" if idempotency_key else None)
    if registration.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return RegistrationOut.of(registration)


@router.get("/cases/{tracking_no}", response_model=CaseStatusOut)
async def case_status(tracking_no: str, request: Request,
                      receipt: Annotated[str | None, Query(max_length=64)] = None) -> CaseStatusOut:
    """Status, deadlines and public answer. Anonymous cases answer only with their `receipt`."""
    return CaseStatusOut.of(await _service(request).status(tracking_no, receipt))

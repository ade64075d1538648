"""What the service hands back to callers: views without reporter identity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from intake_core.model import Deadlines


@dataclass(frozen=True, slots=True)
class Registration:
    """The answer to a submission. The receipt appears here once and is never stored in clear."""

    tracking_no: str
    status: str
    priority: str
    jurisdiction: str
    answer_by: datetime
    acknowledge_by: datetime
    receipt: str | None
    referral: str | None
    cluster_size: int
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class CaseStatusView:
    tracking_no: str
    kind: str
    category: str
    status: str
    received_at: datetime
    deadlines: Deadlines
    public_answer: str | None
    answered_at: datetime | None
    referral: str | None
    # Staff messages that could not be delivered through the channel (无法反馈的予以注明): they wait here.
    waiting_messages: tuple[str, ...] = ()


def row_deadlines(row: Any) -> Deadlines:
    return Deadlines(
        acknowledge_by=row.acknowledge_by, progress_notice_by=row.progress_notice_by,
        answer_by=row.answer_by, answer_extended_by=row.answer_extended_by, review_by=row.review_by)

"""Review (复核): a citizen who disagrees with the answer asks, within the review window, with the
tracking number (from the channel they used) or the receipt; the case gets its own review deadline
(15 working days by default) and a reviewer who did not handle it before."""

from __future__ import annotations

from datetime import datetime, timedelta

from intake_core.errors import CaseNotFound, ReviewerConflict, ReviewNotAllowed
from intake_core.lifecycle import Status
from intake_core.ports import Clock
from intake_core.service import IntakeService
from intake_core.storage.database import Database

REVIEWABLE = {Status.ANSWERED.value, Status.CLOSED.value}


class ReviewService:
    def __init__(self, database: Database, intake: IntakeService, clock: Clock,
                 window: timedelta = timedelta(days=30)) -> None:
        self.database = database
        self.intake = intake
        self.clock = clock
        self.window = window

    async def request(self, reasons: str, tracking_no: str | None = None, receipt: str | None = None,
                      sender_digest: str | None = None) -> tuple[str, datetime]:
        """(tracking number, review deadline). Access as for a status query; refused outside the window."""
        if tracking_no is None:
            view = await self.intake.status_by_receipt(receipt or "")
        else:
            view = await self.intake.status(tracking_no, receipt, sender_digest)
        if view.status not in REVIEWABLE or view.answered_at is None:
            raise ReviewNotAllowed("a review can be asked for once the case has been answered", field="status")
        if self.clock.now() > view.answered_at + self.window:
            raise ReviewNotAllowed("the time to ask for a review of this answer has passed", field="status")
        reason = "citizen asked for a review: " + (reasons.strip()[:1000] or "-")
        await self.intake.transition(view.tracking_no, Status.REVIEW_REQUESTED.value, actor="citizen", reason=reason)
        async with self.database.unit_of_work() as repo:
            row = await repo.case_by_tracking_no(view.tracking_no)
        assert row is not None and row.review_by is not None
        return view.tracking_no, row.review_by

    async def assign_reviewer(self, tracking_no: str, reviewer: str, actor: str) -> None:
        """The reviewer must not be anyone who handled the case before the review was asked for."""
        async with self.database.unit_of_work() as repo:
            row = await repo.case_by_tracking_no(tracking_no)
            if row is None:
                raise CaseNotFound("no case with this tracking number", field="tracking_no")
            if row.status != Status.REVIEW_REQUESTED.value:
                raise ReviewNotAllowed("the case is not waiting for a review", field="status")
            handlers = {row.assignee} | {entry.actor.removeprefix("agent:")
                                         for entry in await repo.audit_chain(tracking_no)
                                         if entry.actor.startswith("agent:")}
        if reviewer in handlers:
            raise ReviewerConflict("the reviewer handled this case before; choose someone else", field="reviewer")
        await self.intake.transition(tracking_no, Status.UNDER_REVIEW.value, actor=actor,
                                     reason=f"reviewer assigned: {reviewer}", reviewer=reviewer)

"""The agent API (JSON, bearer tokens): the queue, claiming, replies, hand-back and status changes.

Nothing here reveals a reporter's identity or contact route: items carry codes, times and the channel."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from intake_core.desk import AgentDesk, WorkItemView
from intake_core.staff_tokens import Principal, StaffTokens

router = APIRouter(prefix="/api/v1/agent", tags=["agent"])
# Database ids are 64-bit: a larger number cannot name anything (404, not an overflow).
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
bearer = HTTPBearer(auto_error=False, description="A token issued with `intake agent token`")


async def principal(request: Request,
                    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    tokens: StaffTokens = request.app.state.staff_tokens
    found = await tokens.authenticate(credentials.credentials) if credentials else None
    if found is None:
        raise HTTPException(401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})
    return found


Staff = Annotated[Principal, Depends(principal)]


def desk_of(request: Request) -> AgentDesk:
    desk: AgentDesk = request.app.state.desk
    return desk


Desk = Annotated[AgentDesk, Depends(desk_of)]


class WorkItemOut(BaseModel):
    id: int
    kind: Literal["case", "live"]
    tracking_no: str | None
    conversation_key: str | None
    channel: str
    priority: str
    due_at: datetime
    state: Literal["open", "claimed", "done"]
    claimed_by: str | None
    created_at: datetime

    @classmethod
    def of(cls, view: WorkItemView) -> WorkItemOut:
        return cls.model_validate(view, from_attributes=True)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=5000)


class QueuedMessage(BaseModel):
    message_id: int = Field(description="The outbound message; delivered through the citizen's channel")


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(min_length=1, max_length=32)
    reason: str = Field(min_length=1, max_length=2000)


class StatusOut(BaseModel):
    tracking_no: str
    status: str


class TranscriptLineOut(BaseModel):
    direction: Literal["in", "out"]
    author: str
    text: str
    at: datetime


class NotificationOut(BaseModel):
    id: int
    kind: str
    tracking_no: str | None
    detail: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


@router.get("/queue", response_model=list[WorkItemOut])
async def list_queue(desk: Desk, _who: Staff, kind: Literal["case", "live"] | None = None,
                     state: Annotated[list[Literal["open", "claimed", "done"]] | None, Query()] = None,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[WorkItemOut]:
    """Work items by priority, then SLA due time. Default: open and claimed items."""
    states = tuple(state) if state else ("open", "claimed")
    return [WorkItemOut.of(view) for view in await desk.queue(states, kind, limit)]


@router.get("/items/{item_id}", response_model=WorkItemOut)
async def get_item(item_id: RowId, desk: Desk, _who: Staff) -> WorkItemOut:
    return WorkItemOut.of(await desk.item(item_id))


@router.get("/items/{item_id}/transcript", response_model=list[TranscriptLineOut])
async def get_transcript(item_id: RowId, desk: Desk, _who: Staff) -> list[TranscriptLineOut]:
    """The conversation behind the item, in order."""
    return [TranscriptLineOut(**line) for line in await desk.transcript(item_id)]


@router.post("/items/{item_id}/claim", response_model=WorkItemOut, responses={409: {"description": "Held or done"}})
async def claim(item_id: RowId, desk: Desk, who: Staff) -> WorkItemOut:
    """Takes the item; a live conversation stops hearing from the bot. Two agents never both succeed."""
    return WorkItemOut.of(await desk.claim(item_id, who.agent))


@router.post("/items/{item_id}/release", response_model=WorkItemOut)
async def release(item_id: RowId, desk: Desk, who: Staff) -> WorkItemOut:
    """Puts a held item back in the queue for another agent."""
    return WorkItemOut.of(await desk.release(item_id, who.agent))


@router.post("/items/{item_id}/reply", response_model=QueuedMessage, status_code=202)
async def reply(item_id: RowId, body: ReplyIn, desk: Desk, who: Staff) -> QueuedMessage:
    """Sends text to the citizen through the channel they used; delivery is retried in the background."""
    return QueuedMessage(message_id=await desk.reply(item_id, who.agent, body.text))


@router.post("/items/{item_id}/hand-back", response_model=WorkItemOut)
async def hand_back(item_id: RowId, desk: Desk, who: Staff) -> WorkItemOut:
    """Ends the agent's part of a live conversation; the bot answers again."""
    return WorkItemOut.of(await desk.hand_back(item_id, who.agent))


@router.post("/cases/{tracking_no}/status", response_model=StatusOut, responses={409: {"description": "Not allowed"}})
async def change_status(tracking_no: str, body: StatusIn, desk: Desk, who: Staff) -> StatusOut:
    """Moves a case to another status; the reason goes into the audit trail."""
    reached = await desk.change_status(tracking_no, who.agent, body.status, body.reason)
    return StatusOut(tracking_no=tracking_no, status=reached)


@router.get("/notifications", response_model=list[NotificationOut])
async def notifications(desk: Desk, who: Staff, unread: bool = True) -> list[NotificationOut]:
    """Notices for the caller (SLA reminders of their cases) and, for supervisors, escalations and
    breaches; newest first."""
    audiences = (f"user:{who.agent}", *(("supervisor",) if who.may("supervisor") else ()))
    return [NotificationOut(**n) for n in await desk.notifications(audiences, unread_only=unread)]


@router.post("/notifications/{notification_id}/read", status_code=204)
async def mark_read(notification_id: RowId, desk: Desk, who: Staff) -> None:
    await desk.mark_read(notification_id, who.agent)

"""Web chat: a JSON endpoint for the chat page and for any web front end."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from channels.rate_limit import rate_limited
from intake_core.conversation_service import ConversationService
from intake_core.messages import InboundMessage, Reply

router = APIRouter(tags=["web chat"])
CHAT_PAGE = Path(__file__).with_name("static") / "chat.html"
ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"


class WebMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    conversation_id: str | None = Field(None, pattern=ID_PATTERN,
                                        description="Omit to start a new conversation")
    text: str = Field(max_length=20_000)
    locale: Literal["zh", "en"] | None = None
    message_id: str | None = Field(None, pattern=ID_PATTERN,
                                   description="Client-chosen id; a retry with the same id is answered once")


class ButtonOut(BaseModel):
    title: str
    payload: str


class ReplyOut(BaseModel):
    text: str
    buttons: list[ButtonOut] | None = None


class WebReplies(BaseModel):
    conversation_id: str
    replies: list[ReplyOut]


@router.post("/api/v1/web/messages", response_model=WebReplies, response_model_exclude_none=True,
             dependencies=[Depends(rate_limited("chat"))])
async def post_message(body: WebMessage, request: Request) -> WebReplies:
    """Send one message of a web chat conversation and receive the replies."""
    conversations: ConversationService = request.app.state.conversations
    conversation_id = body.conversation_id or secrets.token_urlsafe(16)
    message_id = body.message_id or secrets.token_urlsafe(16)
    reception = await conversations.receive(InboundMessage(
        channel="web", conversation_key=f"web:{conversation_id}", sender_handle=conversation_id,
        text=body.text, idempotency_key=f"web:{conversation_id}:{message_id}",
        received_at=conversations.clock.now(), locale=body.locale))
    return WebReplies(conversation_id=conversation_id, replies=[
        ReplyOut(text=r.text, buttons=[ButtonOut(title=b.title, payload=b.payload) for b in r.buttons] or None)
        for r in reception.replies])


class StaffMessageOut(BaseModel):
    id: int
    sender: Literal["staff", "service"]
    text: str


class StaffMessages(BaseModel):
    conversation_id: str
    messages: list[StaffMessageOut]


@router.get("/api/v1/web/messages", response_model=StaffMessages)
async def poll_messages(request: Request, conversation_id: Annotated[str, Query(pattern=ID_PATTERN)],
                        after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0) -> StaffMessages:
    """Messages from staff (and service notices) written after message `after`; the page polls this
    while a person handles the conversation."""
    conversations: ConversationService = request.app.state.conversations
    lines = await conversations.staff_messages(f"web:{conversation_id}", after)
    return StaffMessages(conversation_id=conversation_id, messages=[
        StaffMessageOut(id=line_id, sender=sender, text=text) for line_id, sender, text in lines])


class WebChatOutbound:
    """Staff messages reach a web chat through its transcript, which the page polls: writing the
    transcript line (done with the message) is the delivery."""

    channel = "web"

    async def send(self, contact_route: str, replies: list[Reply], thread: Mapping[str, str]) -> None:
        return None


@router.get("/chat", response_class=HTMLResponse, include_in_schema=False)
async def chat_page() -> HTMLResponse:
    return HTMLResponse(CHAT_PAGE.read_text(encoding="utf-8"))  # noqa: ASYNC230 - small file, cached by the OS

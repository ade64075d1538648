"""Plays a scripted conversation through the conversation service and describes what it registered."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select

from config.wiring import Container
from intake_core.crypto import IdentityOpener
from intake_core.messages import InboundMessage
from intake_core.storage.tables import cases, outbox

SCRIPTS = yaml.safe_load((Path(__file__).with_name("conversations.yaml")).read_text(encoding="utf-8"))
TRACKING = re.compile(r"TS-\d{8}-[2-9A-HJKMNP-Z]{6}")
RECEIPT = re.compile(r"\b\d{4} \d{4} \d{4} \d{4}\b")


@dataclass
class Outcome:
    cases: list[dict[str, Any]]
    handoffs: int
    replies: list[str] = field(default_factory=list)


async def play(container: Container, script: dict[str, Any]) -> Outcome:
    conversation = secrets.token_hex(8)
    replies: list[str] = []
    codes: dict[str, str] = {}
    for number, text in enumerate(script["turns"]):
        reception = await container.conversations.receive(InboundMessage(
            channel="web", conversation_key=f"web:{conversation}", sender_handle=conversation,
            text=str(text).format(**codes), idempotency_key=f"{conversation}:{number}",
            received_at=container.service.now(), locale=script.get("locale", "zh")))
        for reply in reception.replies:
            replies.append(reply.text)
            if found := TRACKING.search(reply.text):
                codes["tracking_no"] = found.group(0)
            if found := RECEIPT.search(reply.text):
                codes["receipt"] = found.group(0).replace(" ", "")
    return Outcome(await registered_cases(container), await handoff_count(container), replies)


async def registered_cases(container: Container) -> list[dict[str, Any]]:
    opener = IdentityOpener(container.keys.identity_private or b"")
    async with container.database.connect() as connection:
        rows = (await connection.execute(select(cases).order_by(cases.c.id))).all()
    described = []
    for row in rows:
        identity = opener.open(row.identity_sealed).identity.as_dict() if row.identity_sealed else {}
        described.append({
            "kind": row.kind, "category": row.category, "status": row.status, "priority": row.priority,
            "anonymous": row.anonymous, "target": row.target, "description": row.description,
            "occurred_at": row.occurred_at.isoformat() if row.occurred_at else None, "identity": identity,
        })
    return described


async def handoff_count(container: Container) -> int:
    async with container.database.connect() as connection:
        return int(await connection.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.topic == "handoff")) or 0)


def check_expectations(script: dict[str, Any], outcome: Outcome) -> None:
    expected = script.get("expect", [])
    assert len(outcome.cases) == len(expected), (script["name"], outcome.cases, outcome.replies)
    for case, wanted in zip(outcome.cases, expected, strict=True):
        for key, value in wanted.items():
            assert case[key] == value, (script["name"], key, case, outcome.replies)
    assert outcome.handoffs == script.get("handoffs", 0), (script["name"], outcome.replies)
    for fragment in script.get("replies_contain", []):
        assert any(fragment in reply for reply in outcome.replies), (script["name"], fragment, outcome.replies)

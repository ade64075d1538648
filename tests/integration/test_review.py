"""Review (复核) asked from a conversation: only answered cases, only within the window, with its own
deadline, and never by someone who handled the case."""

from __future__ import annotations

import itertools

import pytest

from config.wiring import Container
from intake_core.errors import ReviewerConflict
from intake_core.messages import InboundMessage
from tests.support import FixedClock

_ids = itertools.count()
REPORT = ["我要举报", "诈骗", "https://fake-bank.example.cn/login", "冒充银行客服骗取验证码", "2026年11月20日",
          "匿名", "确认"]


async def say(container: Container, text: str, who: str = "review-citizen") -> list[str]:
    reception = await container.conversations.receive(InboundMessage(
        "web", f"web:{who}", who, text, f"web:{who}:{next(_ids)}", container.service.now()))
    return [reply.text for reply in reception.replies]


async def answered_case(container: Container) -> tuple[str, str]:
    for text in REPORT:
        replies = await say(container, text)
    joined = " ".join(replies)
    number = next(word for word in joined.replace("。", " ").replace(":", " ").split() if word.startswith("TS-"))
    receipt = joined.split("匿名回执码:")[1].split("\n")[0].strip()
    for status in ["investigating", "decided", "answered"]:
        if status == "investigating":
            await container.service.transition(number, "assigned", actor="agent:ann", reason="领取", assignee="ann")
        await container.service.transition(number, status, actor="agent:ann", reason="办理")
    return number, receipt


async def test_a_review_is_asked_with_the_receipt_and_goes_to_someone_else(
        sqlite_container: Container, clock: FixedClock) -> None:
    container = sqlite_container
    number, receipt = await answered_case(container)
    early = await say(container, f"我不服，申请复核 {number}", who="someone-else")
    assert "回执码" in early[-1]  # an anonymous case answers to its receipt only
    clock.advance(days=3)
    replies = await say(container, f"回执码 {receipt} 申请复核，处理结果不合理", who="another-device")
    assert f"已收到您的复核申请(受理编号 {number})" in replies[-1]
    view = await container.service.status(number, receipt=receipt)
    assert view.status == "review_requested" and view.deadlines.review_by is not None
    assert view.deadlines.review_by > clock.now()
    with pytest.raises(ReviewerConflict):
        await container.conversations.review.assign_reviewer(number, "ann", actor="agent:lead")
    await container.conversations.review.assign_reviewer(number, "bo", actor="agent:lead")
    assert (await container.service.status(number, receipt=receipt)).status == "under_review"


async def test_no_review_after_the_window(sqlite_container: Container, clock: FixedClock) -> None:
    number, receipt = await answered_case(sqlite_container)
    clock.advance(days=31)
    replies = await say(sqlite_container, f"申请复核 回执码 {receipt}")
    assert "不能申请复核" in replies[-1]
    assert (await sqlite_container.service.status(number, receipt=receipt)).status == "answered"

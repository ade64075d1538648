"""After closing, the citizen is asked for a rating in their own conversation and the answer is stored."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from config.wiring import Container
from intake_core.messages import InboundMessage
from intake_core.satisfaction import parse_rating
from intake_core.storage.tables import ratings
from tests.support import FixedClock

_ids = itertools.count()
REPORT = ["我要举报", "诈骗", "https://fake-bank.example.cn/login", "冒充银行客服骗取验证码", "2026年11月20日",
          "匿名", "确认"]


async def say(container: Container, text: str) -> list[str]:
    reception = await container.conversations.receive(InboundMessage(
        "web", "web:rating-citizen", "rating-citizen", text, f"web:rating:{next(_ids)}", container.service.now()))
    return [reply.text for reply in reception.replies]


def test_scores_are_read_from_what_citizens_write() -> None:
    assert parse_rating("5 很满意，处理很及时") == (5, "很满意，处理很及时")
    assert parse_rating("４分") == (4, None)  # full-width digit
    assert parse_rating("3 - ok I guess") == (3, "ok I guess")
    assert parse_rating("6") is None and parse_rating("满意") is None and parse_rating("13800138000") is None


async def test_a_closed_case_asks_for_a_rating_once_and_stores_the_answer(
        sqlite_container: Container, clock: FixedClock) -> None:
    container = sqlite_container
    for text in REPORT:
        replies = await say(container, text)
    number = next(word for reply in replies for word in reply.replace("。", " ").replace(":", " ").split()
                  if word.startswith("TS-"))
    for status in ["assigned", "investigating", "decided", "answered", "closed"]:
        await container.service.transition(number, status, actor="agent:ann", reason="办理")
    clock.advance(minutes=5)
    assert (await container.sla_monitor.run_once()).satisfaction_requests == 1
    assert (await container.sla_monitor.run_once()).satisfaction_requests == 0  # asked once
    asked = [text for _, _, text in await container.conversations.staff_messages("web:rating-citizen", 0)]
    assert "请对办理情况评分" in asked[-1]

    clock.advance(days=2)  # long after the chat went quiet: the rating is still welcome
    assert await say(container, "5 很满意，处理很及时") == ["感谢您的评价(5 分)。"]
    async with container.database.connect() as connection:
        stored = [(r.score, r.comment) for r in await connection.execute(select(ratings))]
    assert stored == [(5, "很满意，处理很及时")]
    assert "感谢" not in " ".join(await say(container, "4"))  # no longer awaiting: the dialogue answers

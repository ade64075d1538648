"""Conversation state lives in the database: a restart resumes, an idle conversation expires."""

from __future__ import annotations

from pathlib import Path

from config.wiring import Container, build_container
from intake_core.messages import InboundMessage
from tests.support import FixedClock, migrated_container, settings_for


async def say(container: Container, text: str, number: int) -> list[str]:
    reception = await container.conversations.receive(InboundMessage(
        "web", "web:resume-test", "resume-test", text, f"resume:{number}", container.service.now()))
    return [reply.text for reply in reception.replies]


async def test_a_restart_mid_conversation_resumes_where_it_stopped(tmp_path: Path, clock: FixedClock) -> None:
    settings = settings_for(tmp_path / "var")
    first = await migrated_container(settings, clock)
    for number, text in enumerate(["我要举报", "诈骗", "https://fake.example.cn/pay"]):
        await say(first, text, number)
    await first.close()

    restarted = build_container(settings, clock=clock)  # a new process: nothing kept in memory
    try:
        replies = await say(restarted, "冒充客服骗取验证码", 3)
        assert "什么时候" in replies[-1]  # the next question of the same form
        for number, text in enumerate(["2026年11月20日", "匿名", "确认"], start=4):
            replies = await say(restarted, text, number)
        assert any("受理编号" in reply for reply in replies)
    finally:
        await restarted.close()


async def test_an_idle_conversation_expires_with_a_message(sqlite_container: Container, clock: FixedClock) -> None:
    await say(sqlite_container, "我要举报", 0)
    await say(sqlite_container, "诈骗", 1)
    clock.advance(minutes=31)
    replies = await say(sqlite_container, "https://fake.example.cn/pay", 2)
    assert "过期" in replies[0]
    assert not any("描述" in reply for reply in replies)  # the old form did not go on


async def test_an_email_conversation_waits_days_not_minutes(sqlite_container: Container, clock: FixedClock) -> None:
    async def write(text: str, number: int) -> list[str]:
        reception = await sqlite_container.conversations.receive(InboundMessage(
            "email", "email:slow-citizen", "slow@example.com", text, f"email:{number}", clock.now()))
        return [reply.text for reply in reception.replies]

    await write("我要举报", 0)
    await write("诈骗", 1)
    clock.advance(days=3)  # answered three days later: the form goes on
    assert not any("过期" in reply for reply in await write("https://fake.example.cn/pay", 2))
    clock.advance(days=15)
    assert "过期" in (await write("冒充客服骗取验证码", 3))[0]

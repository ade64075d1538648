"""The agent desk on SQLite and PostgreSQL: the queue agents see, claiming, takeover of live
conversations, replies through the citizen's channel and what happens when they cannot be delivered."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from config.wiring import Container
from handoff.dispatcher import QueueDispatcher, Subscription
from handoff.outbox_relay import entry_from_outbox_row
from handoff.redis_streams_queue import RedisStreamsQueue
from intake_core.errors import WorkItemUnavailable
from intake_core.messages import InboundMessage, Reply
from intake_core.model import IntakeDraft, Kind, ReporterIdentity, TargetType
from intake_core.ports import DeliveryDeferred, QueuePolicy
from intake_core.storage.tables import case_notes, outbound_messages
from tests.integration.test_handoff_queue_contract import REDIS_URL, redis_namespace
from tests.support import FixedClock

_ids = itertools.count(1)


def draft(n: int, category: str = "fraud", description: str = "这个网站冒充银行骗取验证码",
          **changes: object) -> IntakeDraft:
    values: dict[str, object] = dict(
        kind=Kind.REPORT, category=category, description=f"{description} {n}", channel="web",
        target=f"https://fake-{n}.example.com/login", target_type=TargetType.URL,
        occurred_at=datetime(2026, 11, 23, 7, 0, tzinfo=UTC), anonymous=True)
    values.update(changes)
    return IntakeDraft(**values)  # type: ignore[arg-type]


async def say(container: Container, conversation: str, text: str) -> list[str]:
    reception = await container.conversations.receive(InboundMessage(
        channel="web", conversation_key=f"web:{conversation}", sender_handle=conversation, text=text,
        idempotency_key=f"web:{conversation}:{next(_ids)}", received_at=container.service.clock.now()))
    return [reply.text for reply in reception.replies]


async def settle(container: Container) -> None:
    """What the background workers do, run to completion once: relay, dispatch, send."""
    await container.relay.publish_pending()
    while await container.dispatcher.run_once():
        pass
    assert container.sender is not None
    await container.sender.send_due()


async def staff_texts(container: Container, conversation: str) -> list[str]:
    return [text for _id, _sender, text in await container.conversations.staff_messages(f"web:{conversation}", 0)]


async def test_registered_cases_queue_by_priority_then_due_time_and_p1_notifies_supervisors(
        container: Container, clock: FixedClock) -> None:
    ordinary = await container.service.submit(draft(1))
    clock.advance(hours=1)
    later = await container.service.submit(draft(2))
    urgent = await container.service.submit(draft(3, category="violent_terrorism",
                                                  description="有人在群里说明天要在广场制造爆炸"))
    await settle(container)
    queue = await container.desk.queue()
    assert [item.tracking_no for item in queue] == [urgent.tracking_no, ordinary.tracking_no, later.tracking_no]
    assert queue[0].priority == "P1" and all(item.state == "open" and item.kind == "case" for item in queue)
    notices = await container.desk.notifications()
    assert [(n["kind"], n["tracking_no"]) for n in notices] == [("escalation", urgent.tracking_no)]
    assert await container.desk.mark_read(notices[0]["id"], "lead")
    assert await container.desk.notifications() == []


async def test_a_redelivered_queue_entry_makes_one_work_item(container: Container) -> None:
    registration = await container.service.submit(draft(1))
    await settle(container)
    payload = {"event": "CaseRegistered", "tracking_no": registration.tracking_no, "kind": "report",
               "category": "fraud", "priority": "P3", "channel": "web",
               "answer_by": registration.answer_by.isoformat(), "cluster_id": None, "anonymous": True}
    assert not await container.desk.materialize("1", payload)  # entry 1 was applied by the dispatcher
    assert len(await container.desk.queue()) == 1


async def test_two_agents_claiming_at_once_never_both_hold_the_item(container: Container) -> None:
    registration = await container.service.submit(draft(1))
    await settle(container)
    (item,) = await container.desk.queue()
    outcomes = await asyncio.gather(*(container.desk.claim(item.id, agent) for agent in ("ann", "bo", "cy")),
                                    return_exceptions=True)
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(winners) == 1 and all(isinstance(o, WorkItemUnavailable) for o in outcomes if o not in winners)
    holder = winners[0].claimed_by
    assert (await container.desk.item(item.id)).claimed_by == holder
    assert (await container.service.status(registration.tracking_no, receipt=registration.receipt)).status == \
        "assigned"
    with pytest.raises(WorkItemUnavailable):
        await container.desk.reply(item.id, "someone-else", "我来处理")
    released = await container.desk.release(item.id, holder or "")
    assert released.state == "open" and released.claimed_by is None


async def test_takeover_silences_the_bot_and_replies_reach_the_web_chat(container: Container) -> None:
    first = await say(container, "wait-1", "转人工")
    assert "前面还有 0 位" in first[-1]
    await settle(container)
    second = await say(container, "wait-2", "转人工")
    assert "前面还有 1 位，预计等待约 10 分钟" in second[-1]
    await settle(container)
    live = await container.desk.queue(kind="live")
    assert [item.conversation_key for item in live] == ["web:wait-1", "web:wait-2"]

    await container.desk.claim(live[0].id, "ann")
    await settle(container)
    assert await staff_texts(container, "wait-1") == ["工作人员已接入，接下来由工作人员为您服务。"]
    assert await say(container, "wait-1", "我想问一下进度") == []  # the bot stays silent
    await container.desk.reply(live[0].id, "ann", "您好，我是工作人员，请讲。")
    await settle(container)
    assert (await staff_texts(container, "wait-1"))[-1] == "您好，我是工作人员，请讲。"
    transcript = [(line["author"], line["text"]) for line in await container.desk.transcript(live[0].id)]
    assert ("citizen", "我想问一下进度") in transcript and ("agent:ann", "您好，我是工作人员，请讲。") in transcript

    await container.desk.hand_back(live[0].id, "ann")
    await settle(container)
    assert "自动助手" in (await staff_texts(container, "wait-1"))[-1]
    assert await say(container, "wait-1", "我要举报")  # the bot answers again
    assert (await container.desk.item(live[0].id)).state == "done"


async def test_asking_twice_keeps_one_place_in_the_queue(container: Container) -> None:
    await say(container, "twice", "转人工")
    await settle(container)
    await say(container, "twice", "人工客服")
    await settle(container)
    assert len(await container.desk.queue(kind="live")) == 1


async def test_a_silent_agent_gives_the_conversation_back_to_the_bot(container: Container, clock: FixedClock) -> None:
    await say(container, "idle-1", "转人工")
    await say(container, "idle-2", "转人工")
    await settle(container)
    one, two = await container.desk.queue(kind="live")
    await container.desk.claim(one.id, "ann")
    await container.desk.claim(two.id, "bo")
    clock.advance(minutes=16)
    # The citizen writes first: the hold has lapsed, the bot answers and says so.
    replies = await say(container, "idle-1", "我要投诉")
    assert replies[0].startswith("工作人员长时间未回复") and len(replies) > 1
    # Nobody writes: the sweeper gives the conversation back and tells the citizen.
    assert await container.desk.resume_idle() == 1
    await settle(container)
    assert (await staff_texts(container, "idle-2"))[-1].startswith("工作人员长时间未回复")
    assert {item.state for item in await container.desk.queue(("open", "claimed", "done"), kind="live")} == {"done"}


async def test_an_answer_that_cannot_be_delivered_is_noted_and_waits_behind_the_receipt(
        container: Container) -> None:
    registration = await container.service.submit(draft(1, channel="voice"))
    await settle(container)
    (item,) = await container.desk.queue()
    await container.desk.claim(item.id, "ann")
    await container.desk.reply(item.id, "ann", "经核查，该网站已关停。")
    await settle(container)
    async with container.database.connect() as connection:
        state = (await connection.execute(select(outbound_messages.c.state))).scalar_one()
        notes = [r.text for r in await connection.execute(select(case_notes.c.text))]
    assert state == "undeliverable"
    assert any("could not be delivered" in note for note in notes)
    view = await container.service.status(registration.tracking_no, receipt=registration.receipt)
    assert view.waiting_messages == ("经核查，该网站已关停。",)
    async with container.database.unit_of_work() as repo:
        trail = [entry.action for entry in await repo.audit_chain(registration.tracking_no)]
    assert trail[-1] == "answer_undeliverable"


class FlakyOutbound:
    """The lowest transport seam of a channel that fails twice, then delivers."""

    channel = "flaky"

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def send(self, contact_route: str, replies: list[Reply], thread: Mapping[str, str]) -> None:
        self.calls.append((contact_route, replies[0].text))
        if len(self.calls) <= 2:
            raise DeliveryDeferred("busy", retry_after=30)


async def test_a_deferred_delivery_is_retried_later_with_the_sealed_route(
        container: Container, clock: FixedClock) -> None:
    flaky = FlakyOutbound()
    container.outbounds["flaky"] = flaky
    registration = await container.service.submit(draft(
        1, channel="flaky", anonymous=False, contact_route="flaky:+8613800138000",
        identity=ReporterIdentity(name="王五", phone="+8613800138000")))
    await settle(container)
    (item,) = await container.desk.queue()
    await container.desk.claim(item.id, "ann")
    await container.desk.reply(item.id, "ann", "已受理，正在核查。")
    assert container.sender is not None
    await container.sender.send_due()
    assert len(flaky.calls) == 1
    await container.sender.send_due()  # not due yet: the channel asked for 30 s
    assert len(flaky.calls) == 1
    clock.advance(seconds=31)
    await container.sender.send_due()
    clock.advance(seconds=61)
    await container.sender.send_due()
    assert flaky.calls == [("flaky:+8613800138000", "已受理，正在核查。")] * 3
    async with container.database.connect() as connection:
        row = (await connection.execute(select(outbound_messages))).one()
    assert (row.state, row.attempts) == ("sent", 3)
    assert b"13800138000" not in row.contact_route  # sealed at rest
    assert (await container.service.status(registration.tracking_no, receipt=None,
                                           sender_digest=None)).waiting_messages == ()


@pytest.mark.redis
async def test_an_entry_left_by_a_dispatcher_that_died_is_applied_once_by_another(container: Container) -> None:
    async with redis_namespace() as (_client, prefix):
        queue = RedisStreamsQueue.from_url(REDIS_URL, prefix, policy=QueuePolicy(idle_after=timedelta(seconds=0.2)))
        registration = await container.service.submit(draft(1))
        async with container.database.unit_of_work() as repo:
            (row,) = await repo.unpublished(10)
        await queue.publish(entry_from_outbox_row(row))
        (taken,) = await queue.claim("cases", "desk", "dispatcher-that-dies")  # claimed, never acknowledged
        assert taken.payload["tracking_no"] == registration.tracking_no
        survivor = QueueDispatcher(queue, container.desk, consumer="dispatcher-that-lives")
        assert await survivor.dispatch(Subscription("cases", "desk")) == 0  # not idle long enough yet
        await asyncio.sleep(0.3)
        assert await survivor.dispatch(Subscription("cases", "desk")) == 1
        assert await survivor.dispatch(Subscription("cases", "desk")) == 0  # acknowledged: never again
        assert [item.tracking_no for item in await container.desk.queue()] == [registration.tracking_no]
        await queue.close()

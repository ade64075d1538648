"""The storage contract: the same behaviour on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update

from config.wiring import Container
from intake_core.audit_verify import verify_audit_log
from intake_core.crypto import IdentityOpener
from intake_core.errors import ReceiptLocked, ReceiptRejected, TransitionNotAllowed, ValidationFailed
from intake_core.model import EvidenceItem, IntakeDraft, Kind, ReporterIdentity, TargetType
from intake_core.storage.tables import audit_log, cases, outbox
from tests.support import FixedClock


def fraud_report(**changes: object) -> IntakeDraft:
    values: dict[str, object] = dict(
        kind=Kind.REPORT, category="fraud", description="这个网站冒充银行骗取验证码", channel="web",
        target="https://Fake-Bank.example.com:443/login/?utm_source=wechat#top", target_type=TargetType.URL,
        occurred_at=datetime(2026, 11, 23, 7, 0, tzinfo=UTC), anonymous=True)
    values.update(changes)
    return IntakeDraft(**values)  # type: ignore[arg-type]


async def count(container: Container, table) -> int:  # type: ignore[no-untyped-def]
    async with container.database.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)) or 0)


async def test_registers_a_case_with_deadlines_outbox_and_audit(container: Container) -> None:
    registration = await container.service.submit(fraud_report())
    assert registration.tracking_no.startswith("TS-20261124-")
    assert registration.status == "registered"
    assert registration.receipt is not None and len(registration.receipt) == 16
    # Received Tuesday 2026-11-24 10:00 Beijing: 7 working days later is Thursday 12-03, end of day.
    assert registration.answer_by == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    view = await container.service.status(registration.tracking_no, registration.receipt)
    assert view.status == "registered" and view.category == "fraud"
    assert await count(container, outbox) == 1
    assert (await verify_audit_log(container.database)).intact


async def test_receipt_is_stored_only_as_a_digest(container: Container) -> None:
    registration = await container.service.submit(fraud_report())
    async with container.database.connect() as connection:
        row = (await connection.execute(select(cases))).one()
    assert registration.receipt not in " ".join(str(v) for v in row)
    assert row.receipt_digest and len(row.receipt_digest) == 64


async def test_identity_is_sealed_and_opens_only_with_the_private_key(container: Container) -> None:
    identity = ReporterIdentity(name="张三", phone="+8613812345678", email="zhang@example.cn")
    await container.service.submit(fraud_report(anonymous=False, identity=identity))
    async with container.database.connect() as connection:
        row = (await connection.execute(select(cases))).one()
    assert b"13812345678" not in row.identity_sealed and "张三".encode() not in row.identity_sealed
    assert container.keys.identity_private is not None
    opened = IdentityOpener(container.keys.identity_private).open(row.identity_sealed)
    assert opened.identity == identity


async def test_same_idempotency_key_registers_once_and_returns_the_first_result(container: Container) -> None:
    first = await container.service.submit(fraud_report(), idempotency_key="k-1")
    again = await container.service.submit(fraud_report(description="different text"), idempotency_key="k-1")
    assert again.tracking_no == first.tracking_no and again.receipt == first.receipt and again.replayed
    assert await count(container, cases) == 1


async def test_concurrent_submissions_with_one_key_register_once(container: Container) -> None:
    results = await asyncio.gather(*(container.service.submit(fraud_report(), idempotency_key="same")
                                     for _ in range(5)))
    assert len({r.tracking_no for r in results}) == 1
    assert await count(container, cases) == 1


async def test_reports_of_one_url_join_one_cluster_with_their_own_numbers(container: Container) -> None:
    first = await container.service.submit(fraud_report())
    second = await container.service.submit(fraud_report(target="http://fake-bank.example.com/login"))
    third = await container.service.submit(fraud_report(target="https://other.example.com/"))
    assert first.tracking_no != second.tracking_no
    assert second.cluster_size == 2 and third.cluster_size == 1


async def test_p1_case_emits_an_escalation(container: Container) -> None:
    registration = await container.service.submit(fraud_report(
        category="violent_terrorism", description="有人在群里说明天要在车站放炸弹"))
    assert registration.priority == "P1"
    async with container.database.connect() as connection:
        topics = sorted((await connection.scalars(select(outbox.c.topic))).all())
    assert topics == ["cases", "escalations"]


async def test_out_of_scope_case_is_referred(container: Container) -> None:
    registration = await container.service.submit(IntakeDraft(
        kind=Kind.COMPLAINT, category="credit_reporting", description="征信报告里有一笔不是我的贷款",
        channel="web", anonymous=True))
    assert registration.status == "out_of_scope" and registration.jurisdiction == "referral"
    assert registration.referral and "征信中心" in registration.referral


async def test_wrong_receipts_lock_the_case_after_repeated_failures(container: Container,
                                                                     clock: FixedClock) -> None:
    registration = await container.service.submit(fraud_report())
    for _ in range(5):
        with pytest.raises(ReceiptRejected):
            await container.service.status(registration.tracking_no, "1234567812345678")
    with pytest.raises(ReceiptLocked):
        await container.service.status(registration.tracking_no, registration.receipt)
    clock.advance(minutes=16)
    view = await container.service.status(registration.tracking_no, registration.receipt)
    assert view.tracking_no == registration.tracking_no


async def test_anonymous_case_needs_its_receipt(container: Container) -> None:
    registration = await container.service.submit(fraud_report())
    with pytest.raises(ReceiptRejected):
        await container.service.status(registration.tracking_no)
    assert (await container.service.status_by_receipt(registration.receipt or "")).tracking_no == \
        registration.tracking_no


async def test_lifecycle_moves_are_audited_and_illegal_moves_refused(container: Container) -> None:
    number = (await container.service.submit(fraud_report())).tracking_no
    for status in ("assigned", "investigating", "decided", "answered", "closed"):
        await container.service.transition(number, status, actor="agent:7", reason=f"to {status}")
    with pytest.raises(TransitionNotAllowed):
        await container.service.transition(number, "investigating", actor="agent:7", reason="reopen")
    report = await verify_audit_log(container.database)
    assert report.intact and report.entries == 6


async def test_audit_verify_detects_an_edited_and_a_removed_entry(container: Container) -> None:
    number = (await container.service.submit(fraud_report())).tracking_no
    await container.service.transition(number, "assigned", actor="agent:1", reason="claimed")
    await container.service.transition(number, "investigating", actor="agent:1", reason="started")
    async with container.database.unit_of_work() as repo:
        await repo.connection.execute(update(audit_log).where(audit_log.c.position == 2)
                                      .values(reason="nothing happened"))
    problems = (await verify_audit_log(container.database)).problems
    assert [(p.position, p.problem) for p in problems] == [(2, "entry was edited")]
    async with container.database.unit_of_work() as repo:
        await repo.connection.execute(update(audit_log).where(audit_log.c.position == 2)
                                      .values(reason="claimed"))
        await repo.connection.execute(audit_log.delete().where(audit_log.c.position == 3))
    problems = (await verify_audit_log(container.database)).problems
    assert [p.problem for p in problems] == ["chain does not end at the recorded head"]


async def test_information_added_with_the_receipt(container: Container) -> None:
    registration = await container.service.submit(fraud_report())
    item = EvidenceItem("shot.png", "image/png", 10, "ab" * 32, "/tmp/x")
    number = await container.service.add_information("还有一个链接", [item], receipt=registration.receipt)
    assert number == registration.tracking_no
    with pytest.raises(ValidationFailed):
        await container.service.add_information("  ", [], receipt=registration.receipt)

"""Retention with a controllable clock: archive after the review window, anonymise after the retention
period, remove exactly what the dry run reported, keep the audit chain verifiable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from config.wiring import Container
from intake_core.audit_verify import verify_audit_log
from intake_core.model import EvidenceItem, IntakeDraft, Kind, ReporterIdentity, TargetType
from intake_core.retention import Retention
from intake_core.storage.tables import audit_log, cases, evidence
from tests.support import FixedClock


async def closed_case(container: Container, n: int, content: bytes, category: str = "fraud") -> str:
    store = container.evidence_store
    item: EvidenceItem = await store.store(f"screenshot-{n}.png", "image/png", content)
    registration = await container.service.submit(IntakeDraft(
        kind=Kind.REPORT, category=category, description=f"骗子冒充客服，联系人王五 13800138000 ({n})",
        channel="web", target=f"https://scam-{n}.example.cn", target_type=TargetType.URL,
        occurred_at=datetime(2026, 11, 1, tzinfo=UTC), anonymous=False, evidence=[item],
        identity=ReporterIdentity(name="王五", phone="+8613800138000")))
    number = registration.tracking_no
    for status, reason in [("assigned", "领取"), ("investigating", "已联系王五核实"), ("decided", "查实"),
                           ("answered", "已书面答复"), ("closed", "办结")]:
        await container.service.transition(number, status, actor="agent:ann", reason=reason)
    return number


async def test_archive_then_anonymise_exactly_what_the_dry_run_reports(
        container: Container, clock: FixedClock, tmp_path: Path) -> None:
    old = await closed_case(container, 1, b"old evidence")
    shared = await closed_case(container, 2, b"shared evidence")
    clock.advance(days=400)
    recent = await closed_case(container, 3, b"shared evidence")  # same file as case 2, closed later
    retention = Retention(container.database, container.taxonomy, container.service, clock, timedelta(days=30))

    clock.advance(days=10)  # still inside the review window of the recent case
    first = await retention.run()
    assert sorted(first.archived) == sorted([old, shared]) and first.anonymised == []

    clock.advance(days=365 * 2 - 400 + 5)  # two years after the first two were closed
    planned = await retention.run(dry_run=True)
    assert sorted(planned.anonymised) == sorted([old, shared]) and planned.archived == [recent]
    assert planned.evidence_files == 1  # the shared file stays: case 3 still refers to it
    done = await retention.run()
    assert (sorted(done.anonymised), done.evidence_files, done.evidence_bytes) == \
        (sorted(planned.anonymised), planned.evidence_files, planned.evidence_bytes)
    assert (await retention.run(dry_run=True)).anonymised == []  # nothing left to do

    async with container.database.connect() as connection:
        rows = {r.tracking_no: r for r in await connection.execute(select(cases))}
        kept_evidence = [r.stored_path for r in await connection.execute(select(evidence))]
        reasons = [r.reason for r in await connection.execute(
            select(audit_log.c.reason).where(audit_log.c.chain == old))]
    for number in (old, shared):
        row = rows[number]
        assert row.description == "" and row.identity_sealed is None and row.target is None
        assert row.anonymised_at is not None and row.status == "archived"
    assert rows[recent].description.startswith("骗子冒充客服") and rows[recent].identity_sealed is not None
    assert len(kept_evidence) == 1  # case 3 still refers to the shared file
    stored = [path for path in container.evidence_store.directory.rglob("*") if path.is_file()]
    assert [str(path) for path in stored] == kept_evidence  # the old case's file is gone from disk
    assert reasons[-1] == "retention period ended: personal data and evidence removed"
    assert all(reason is None for reason in reasons[:-1])  # "已联系王五核实" is gone, its digest kept
    assert (await verify_audit_log(container.database)).intact

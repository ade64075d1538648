"""Case handling by staff on SQLite and PostgreSQL: roles refused, views and reveals audited, the one
supervisor-approved extension, department work, transfer, and the written answer through the desk."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import pytest
from sqlalchemy import select

from config.wiring import Container
from intake_core.access import PermissionDenied
from intake_core.audit_verify import verify_audit_log
from intake_core.case_handling import CaseHandling, path_to
from intake_core.crypto import IdentityOpener
from intake_core.departments import Departments
from intake_core.errors import TransitionNotAllowed, ValidationFailed
from intake_core.lifecycle import Status
from intake_core.messages import Reply
from intake_core.model import ReporterIdentity
from intake_core.staff import SessionPolicy, StaffDirectory, StaffUser
from intake_core.storage.tables import outbound_messages
from tests.integration.test_agent_desk import draft, settle
from tests.support import FixedClock

AGENT = StaffUser("ann", "Ann", frozenset({"agent"}), None)
SUPERVISOR = StaffUser("sue", "Sue", frozenset({"supervisor"}), None)
CUSTODIAN = StaffUser("cas", "Cas", frozenset({"custodian"}), None)
AUDITOR = StaffUser("aud", "Aud", frozenset({"auditor"}), None)
NET_HANDLER = StaffUser("han", "Han", frozenset({"handler"}), "net")
OTHER_HANDLER = StaffUser("ola", "Ola", frozenset({"handler"}), "legal")


class RecordingOutbound:
    channel = "flaky"

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def send(self, contact_route: str, replies: list[Reply], thread: Mapping[str, str]) -> None:
        self.sent.append((contact_route, replies[0].text))


def handling_of(container: Container) -> CaseHandling:
    private = container.keys.identity_private
    assert private is not None
    return CaseHandling(container.database, container.service, container.desk, container.sla,
                        IdentityOpener(private), container.service.clock)


async def identified_case(container: Container, description: str = "这个网站冒充银行骗取验证码") -> str:
    registration = await container.service.submit(draft(
        1, description=description, channel="flaky", anonymous=False, contact_route="flaky:+8613800138000",
        identity=ReporterIdentity(name="王五", phone="+8613800138000")))
    return registration.tracking_no


async def actions(container: Container, tracking_no: str) -> list[tuple[str, str, str | None]]:
    async with container.database.unit_of_work() as repo:
        return [(e.actor, e.action, e.reason) for e in await repo.audit_chain(tracking_no)]


async def test_every_view_is_audited_and_the_chain_stays_intact(container: Container) -> None:
    handling = handling_of(container)
    tracking_no = (await container.service.submit(draft(1))).tracking_no
    case = await handling.view(tracking_no, AGENT)
    assert case.tracking_no == tracking_no and case.status == "registered"
    assert ("ann", "viewed", None) in await actions(container, tracking_no)
    assert [c.name for c in case.clocks] == ["acknowledge", "progress_notice", "answer"]
    assert {c.urgency for c in case.clocks} <= {"green", "amber", "red", "met"}
    await handling.view(tracking_no, AUDITOR)
    assert [a for a in await actions(container, tracking_no) if a[1] == "viewed"] == [
        ("ann", "viewed", None), ("aud", "viewed", None)]
    assert (await verify_audit_log(container.database)).intact


async def test_only_the_custodian_reveals_and_each_reveal_is_audited_with_its_reason(container: Container) -> None:
    handling = handling_of(container)
    tracking_no = await identified_case(container, "我是王五，电话 138 0013 8000 也可以打 13800138000")
    for who in (AGENT, SUPERVISOR, NET_HANDLER, AUDITOR):
        with pytest.raises(PermissionDenied):
            await handling.reveal_identity(tracking_no, who, "need to call back")
    with pytest.raises(ValidationFailed):
        await handling.reveal_identity(tracking_no, CUSTODIAN, "   ")
    revealed = await handling.reveal_identity(tracking_no, CUSTODIAN, "公安机关依法调取")
    assert revealed.identity.name == "王五" and revealed.contact_route == "flaky:+8613800138000"
    assert ("cas", "identity_revealed", "公安机关依法调取") in await actions(container, tracking_no)
    detail = await handling.detail(tracking_no, AGENT)
    # The staff view never carries the identity, not even where the citizen wrote it into the text.
    assert detail.identity_sealed and "王五" not in repr(detail) and "13800138000" not in repr(detail)
    assert detail.description.startswith("我是[已加密]")
    assert (await verify_audit_log(container.database)).intact


async def test_the_extension_needs_a_supervisor_and_is_granted_once(container: Container) -> None:
    handling = handling_of(container)
    tracking_no = (await container.service.submit(draft(1))).tracking_no
    with pytest.raises(PermissionDenied):
        await handling.extend_deadline(tracking_no, AGENT, "complex")
    until = await handling.extend_deadline(tracking_no, SUPERVISOR, "需要跨部门核查")
    detail = await handling.detail(tracking_no, SUPERVISOR)
    assert detail.extended and detail.answer_extended_by == until
    assert until == container.sla.extension("formal", detail.answer_by)
    assert until - detail.answer_by >= timedelta(days=30)
    assert next(c for c in detail.clocks if c.name == "answer").due == until
    with pytest.raises(TransitionNotAllowed):
        await handling.extend_deadline(tracking_no, SUPERVISOR, "again")
    assert [a for a in await actions(container, tracking_no) if a[1] == "deadline_extended"] == [
        ("sue", "deadline_extended", "需要跨部门核查")]


async def test_the_written_answer_reaches_the_citizen_through_the_desk_and_the_case_closes(
        container: Container) -> None:
    outbound = RecordingOutbound()
    container.outbounds["flaky"] = outbound
    handling = handling_of(container)
    tracking_no = await identified_case(container)
    with pytest.raises(PermissionDenied):
        await handling.answer(tracking_no, AUDITOR, "no")
    assert await handling.answer(tracking_no, AGENT, "经核查，该网站已被关停。感谢您的举报。") == "answered"
    await settle(container)
    assert outbound.sent == [("flaky:+8613800138000",
                              f"【书面答复】受理编号 {tracking_no}\n经核查，该网站已被关停。感谢您的举报。")]
    view = await container.service.status(tracking_no)
    assert view.status == "answered" and view.public_answer == "经核查，该网站已被关停。感谢您的举报。"
    steps = [a[1] for a in await actions(container, tracking_no) if a[1] in ("status_changed", "answer_written")]
    assert steps == ["answer_written"] + ["status_changed"] * 4  # registered → … → answered
    with pytest.raises(TransitionNotAllowed):
        await handling.answer(tracking_no, AGENT, "twice")
    with pytest.raises(ValidationFailed):
        await handling.close(tracking_no, AGENT, " ")
    assert await handling.close(tracking_no, AGENT, "答复已送达") == "closed"
    assert (await verify_audit_log(container.database)).intact


async def test_departments_see_and_report_only_their_own_cases(container: Container) -> None:
    handling = handling_of(container)
    departments = Departments(container.database)
    await departments.add("net", "网络监管处", "Network regulation")
    await departments.add("legal", "法规处", "Legal affairs")
    tracking_no = (await container.service.submit(draft(1))).tracking_no
    with pytest.raises(PermissionDenied):
        await handling.view(tracking_no, NET_HANDLER)  # not assigned yet
    with pytest.raises(PermissionDenied):
        await handling.assign_departments(tracking_no, "net", [], NET_HANDLER, "mine")
    await handling.assign_departments(tracking_no, "net", ["legal"], AGENT, "涉及网站与法规")
    assert (await handling.view(tracking_no, NET_HANDLER)).lead_department == "net"
    await handling.report_progress(tracking_no, "net", "已约谈网站负责人", NET_HANDLER)
    with pytest.raises(PermissionDenied):
        await handling.report_progress(tracking_no, "net", "not mine", OTHER_HANDLER)
    detail = await handling.view(tracking_no, OTHER_HANDLER)  # cooperating: may read
    assert [(p.department, p.text) for p in detail.progress] == [("net", "已约谈网站负责人")]
    assert [(d.code, d.role) for d in detail.departments] == [("net", "lead"), ("legal", "cooperating")]


async def test_a_transfer_refers_the_case_out_and_tells_the_citizen(container: Container) -> None:
    handling = handling_of(container)
    await Departments(container.database).add("samr", "市场监督管理局", "Market regulator", external=True)
    await Departments(container.database).add("net", "网络监管处", "Network regulation")
    registration = await container.service.submit(draft(1))
    tracking_no = registration.tracking_no
    with pytest.raises(ValidationFailed):
        await handling.transfer(tracking_no, "net", "internal is no body to transfer to", AGENT)
    assert await handling.transfer(tracking_no, "samr", "属于市场监管职责", AGENT) == "referred"
    view = await container.service.status(tracking_no, receipt=registration.receipt)
    assert view.status == "referred" and view.referral == "市场监督管理局"
    async with container.database.connect() as connection:
        texts = (await connection.scalars(select(outbound_messages.c.text).where(
            outbound_messages.c.tracking_no == tracking_no))).all()
    assert any("已移送市场监督管理局" in text for text in texts)


def test_the_answer_path_follows_the_lifecycle() -> None:
    assert path_to("registered", Status.ANSWERED) == [Status.ASSIGNED, Status.INVESTIGATING, Status.DECIDED,
                                                     Status.ANSWERED]
    assert path_to("under_review", Status.ANSWERED) == [Status.ANSWERED]
    assert path_to("review_requested", Status.ANSWERED) == [Status.UNDER_REVIEW, Status.ANSWERED]
    assert path_to("closed", Status.ANSWERED) == []


async def test_staff_log_in_with_argon2_and_sessions_end_when_idle(container: Container, clock: FixedClock) -> None:
    staff = StaffDirectory(container.database, clock, SessionPolicy(idle_timeout=timedelta(minutes=30)))
    await staff.add_user("ann", "correct horse", {"agent"})
    with pytest.raises(ValidationFailed):
        await staff.add_user("ann", "another pass", {"agent"})
    with pytest.raises(ValidationFailed):
        await staff.add_user("bob", "long enough", {"wizard"})
    assert await staff.authenticate("ann", "wrong horse") is None
    assert await staff.authenticate("nobody", "correct horse") is None
    user = await staff.authenticate("ann", "correct horse")
    assert user is not None and user.roles == frozenset({"agent"})
    session_id, session = await staff.open_session(user, "en")
    assert (await staff.session(session_id)) == session
    clock.advance(minutes=29)
    assert await staff.session(session_id) is not None  # in use: the idle clock restarts
    clock.advance(minutes=31)
    assert await staff.session(session_id) is None
    session_id, _ = await staff.open_session(user)
    await staff.close_session(session_id)
    assert await staff.session(session_id) is None
    await staff.update_user("ann", {"agent"}, None, active=False)
    assert await staff.authenticate("ann", "correct horse") is None

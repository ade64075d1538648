"""The case page and every action on a case. Each action is a plain form POST with the CSRF token;
the service checks the role again, so the page hiding a button is only a convenience."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import FileResponse

from handoff.console.auth import actor, viewer
from handoff.console.web import ConsoleRoute, Ctx, RowId, back, departments_of, handling_of, render, staff_of
from intake_core.access import AGENT, AUDITOR, CUSTODIAN, DESK, HANDLER, SUPERVISOR, PermissionDenied
from intake_core.case_handling import RevealedIdentity, path_to
from intake_core.errors import IntakeError
from intake_core.lifecycle import ALLOWED, Status

router = APIRouter(route_class=ConsoleRoute)

CaseViewer = Annotated[Ctx, Depends(viewer(AGENT, SUPERVISOR, HANDLER, CUSTODIAN, AUDITOR))]
Staff = Annotated[Ctx, Depends(actor())]  # the service decides which roles may do what


async def _page(ctx: Ctx, tracking_no: str, status: int = 200, revealed: RevealedIdentity | None = None,
                msg: str | None = None, error: str | None = None) -> Response:
    request = ctx.request
    handling = handling_of(request)
    case = await handling.view(tracking_no, ctx.user)  # every view is audited
    departments = await departments_of(request).all()
    allowed = sorted(ALLOWED[Status(case.status)] - {Status(case.status)})
    return render(request, "case.html", status=status, ctx=ctx, case=case, revealed=revealed, msg=msg, error=error,
                  canned=await staff_of(request).canned() if ctx.user.has(*DESK) else [],
                  internal=[d for d in departments if not d.external], external=[d for d in departments if d.external],
                  next_statuses=[s.value for s in allowed], answerable=bool(path_to(case.status, Status.ANSWERED)),
                  can_desk=ctx.user.has(*DESK), can_extend=ctx.user.has(SUPERVISOR),
                  can_reveal=ctx.user.has(CUSTODIAN),
                  can_progress=ctx.user.has(SUPERVISOR) or (ctx.user.has(HANDLER) and any(
                      d.code == ctx.user.department for d in case.departments)))


@router.get("/cases/{tracking_no}", include_in_schema=False)
async def case_page(tracking_no: str, ctx: CaseViewer, msg: str | None = None, error: str | None = None) -> Response:
    return await _page(ctx, tracking_no, msg=msg, error=error)


@router.get("/cases/{tracking_no}/evidence/{evidence_id}", include_in_schema=False)
async def evidence_download(tracking_no: str, evidence_id: RowId, ctx: CaseViewer) -> Response:
    found = await handling_of(ctx.request).evidence_file(tracking_no, evidence_id, ctx.user)
    if not await asyncio.to_thread(Path(found.path).is_file):  # removed by retention (anonymised case)
        return render(ctx.request, "error.html", status=404, ctx=ctx, title_key="not_found", text=found.name)
    # Always a download, never rendered inline: an uploaded HTML or SVG file must not run in our origin.
    return FileResponse(found.path, media_type="application/octet-stream", filename=found.name,
                        content_disposition_type="attachment", headers={"X-Content-SHA256": found.sha256})


@router.post("/cases/{tracking_no}/reveal", include_in_schema=False)
async def reveal(tracking_no: str, ctx: Staff) -> Response:
    revealed = await handling_of(ctx.request).reveal_identity(tracking_no, ctx.user, ctx.field("reason"))
    return await _page(ctx, tracking_no, revealed=revealed)


Action = Callable[[Ctx, str], Awaitable[Any]]


async def _act(ctx: Ctx, tracking_no: str, done: str, action: Action) -> Response:
    """Runs the action; refusals come back to the case page as a message, not an error page."""
    try:
        await action(ctx, tracking_no)
    except PermissionDenied:
        raise
    except IntakeError as error:
        return back(f"/console/cases/{tracking_no}", error=error.code, field=error.field or "")
    return back(f"/console/cases/{tracking_no}", msg=done)


@router.post("/cases/{tracking_no}/reply", include_in_schema=False)
async def reply(tracking_no: str, ctx: Staff) -> Response:
    return await _act(ctx, tracking_no, "done_reply", lambda c, no: handling_of(c.request).message(
        no, c.user, c.field("text")))


@router.post("/cases/{tracking_no}/status", include_in_schema=False)
async def change_status(tracking_no: str, ctx: Staff) -> Response:
    return await _act(ctx, tracking_no, "done_status", lambda c, no: handling_of(c.request).change_status(
        no, c.user, c.field("status"), c.field("reason")))


@router.post("/cases/{tracking_no}/departments", include_in_schema=False)
async def assign(tracking_no: str, ctx: Staff) -> Response:
    return await _act(ctx, tracking_no, "done_assign", lambda c, no: handling_of(c.request).assign_departments(
        no, c.field("lead"), c.fields("cooperating"), c.user, c.field("reason")))


@router.post("/cases/{tracking_no}/progress", include_in_schema=False)
async def progress(tracking_no: str, ctx: Staff) -> Response:
    return await _act(ctx, tracking_no, "done_progress", lambda c, no: handling_of(c.request).report_progress(
        no, c.field("department") or c.user.department or "", c.field("text"), c.user))


@router.post("/cases/{tracking_no}/transfer", include_in_schema=False)
async def transfer(tracking_no: str, ctx: Staff) -> Response:
    return await _act(ctx, tracking_no, "done_transfer", lambda c, no: handling_of(c.request).transfer(
        no, c.field("body"), c.field("reason"), c.user))


@router.post("/cases/{tracking_no}/extend", include_in_schema=False)
async def extend(tracking_no: str, ctx: Staff) -> Response:
    return await _act(ctx, tracking_no, "done_extend", lambda c, no: handling_of(c.request).extend_deadline(
        no, c.user, c.field("reason")))


@router.post("/cases/{tracking_no}/answer", include_in_schema=False)
async def answer(tracking_no: str, ctx: Staff) -> Response:
    return await _act(ctx, tracking_no, "done_answer", lambda c, no: handling_of(c.request).answer(
        no, c.user, c.field("answer")))


@router.post("/cases/{tracking_no}/close", include_in_schema=False)
async def close(tracking_no: str, ctx: Staff) -> Response:
    return await _act(ctx, tracking_no, "done_close", lambda c, no: handling_of(c.request).close(
        no, c.user, c.field("reason")))

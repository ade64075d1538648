"""The queue, claiming, and live conversations taken over from the bot (the chat view)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, JSONResponse

from handoff.console.auth import actor, viewer
from handoff.console.web import (
    HERE,
    ConsoleRoute,
    Ctx,
    RowId,
    back,
    departments_of,
    desk_of,
    handling_of,
    render,
    staff_of,
    taxonomy_of,
)
from intake_core.access import ADMIN, AUDITOR, CUSTODIAN, DESK, HANDLER
from intake_core.case_queue import CaseQueue, QueueFilter
from intake_core.codes import normalize_tracking_no
from intake_core.errors import IntakeError
from intake_core.lifecycle import Status

router = APIRouter(route_class=ConsoleRoute)
STATIC = {"console.css": "text/css", "console.js": "text/javascript"}

Anyone = Annotated[Ctx, Depends(viewer())]
QueueViewer = Annotated[Ctx, Depends(viewer(*DESK, HANDLER))]
DeskViewer = Annotated[Ctx, Depends(viewer(*DESK))]
DeskActor = Annotated[Ctx, Depends(actor(*DESK))]


def queue_of(request: Request) -> CaseQueue:
    handling = handling_of(request)
    return CaseQueue(handling.database, handling.clock)


@router.get("/static/{name}", include_in_schema=False)
async def static(name: str) -> Response:
    if name not in STATIC:
        return Response(status_code=404)
    return FileResponse(HERE / "static" / name, media_type=STATIC[name], headers={"Cache-Control": "max-age=300"})


@router.get("/", include_in_schema=False)
async def home(ctx: Anyone) -> Response:
    """Each role starts where its work is."""
    user = ctx.user
    if user.has(*DESK, HANDLER):
        return back("/console/queue")
    if user.has(CUSTODIAN):
        return render(ctx.request, "lookup.html", ctx=ctx)
    if user.has(AUDITOR):
        return back("/console/audit")
    if user.has(ADMIN):
        return back("/console/admin/users")
    return render(ctx.request, "lookup.html", ctx=ctx)


@router.get("/cases", include_in_schema=False)
async def open_case(ctx: Anyone, tracking_no: str = "") -> Response:
    normalized = normalize_tracking_no(tracking_no)
    if normalized is None:
        return render(ctx.request, "lookup.html", status=400, ctx=ctx, lookup_error=True)
    return back(f"/console/cases/{normalized}")


def _filter(params: dict[str, str], forced_department: str | None) -> QueueFilter:
    cluster = params.get("cluster", "")
    return QueueFilter(channel=params.get("channel") or None, kind=params.get("kind") or None,
                       category=params.get("category") or None, status=params.get("status") or None,
                       department=forced_department or params.get("department") or None,
                       overdue=params.get("overdue") == "1", cluster=int(cluster) if cluster.isdigit() else None)


@router.get("/queue", include_in_schema=False)
async def queue_page(ctx: QueueViewer, msg: str | None = None, error: str | None = None) -> Response:
    request = ctx.request
    params = {k: v for k, v in request.query_params.items() if k not in ("lang", "msg", "error")}
    queue = queue_of(request)
    handler_only = not ctx.user.has(*DESK)
    wanted = _filter(params, ctx.user.department if handler_only else None)
    items = [] if handler_only else await queue.items(wanted)
    mine = await queue.department_cases(ctx.user.department) if ctx.user.has(HANDLER) and ctx.user.department else []
    taxonomy = taxonomy_of(request)
    departments = await departments_of(request).all()
    return render(request, "queue.html", ctx=ctx, items=items, mine=mine, params=params,
                  counts=await queue.counts(), statuses=[s.value for s in Status],
                  categories=taxonomy.all() if taxonomy else [], departments=[d for d in departments if not d.external],
                  channels=["web", "telegram", "email", "sms", "voice", "open311"], handler_only=handler_only,
                  msg=msg, error=error)


@router.get("/queue/counts", include_in_schema=False)
async def queue_counts(ctx: QueueViewer) -> Response:
    """Polled by the queue page for live counts."""
    return JSONResponse(await queue_of(ctx.request).counts(), headers={"Cache-Control": "no-store"})


@router.post("/items/{item_id}/claim", include_in_schema=False)
async def claim(item_id: RowId, ctx: DeskActor) -> Response:
    try:
        item = await desk_of(ctx.request).claim(item_id, ctx.user.username)
    except IntakeError as error:
        return back("/console/queue", error=error.code)
    if item.kind == "live":
        return back(f"/console/live/{item.id}")
    return back(f"/console/cases/{item.tracking_no}", msg="done_claim")


@router.post("/items/{item_id}/release", include_in_schema=False)
async def release(item_id: RowId, ctx: DeskActor) -> Response:
    try:
        await desk_of(ctx.request).release(item_id, ctx.user.username)
    except IntakeError as error:
        return back("/console/queue", error=error.code)
    return back("/console/queue", msg="done_saved")


# -- live conversations --------------------------------------------------------------------------
async def _lines(ctx: Ctx, item_id: int) -> list[dict[str, Any]]:
    return await desk_of(ctx.request).transcript(item_id)


@router.get("/live/{item_id}", include_in_schema=False)
async def live_page(item_id: RowId, ctx: DeskViewer, msg: str | None = None, error: str | None = None) -> Response:
    desk = desk_of(ctx.request)
    item = await desk.item(item_id)
    canned = await staff_of(ctx.request).canned()
    return render(ctx.request, "live.html", ctx=ctx, item=item, lines=await _lines(ctx, item_id), canned=canned,
                  mine=item.claimed_by == ctx.user.username and item.state == "claimed", msg=msg, error=error)


@router.get("/live/{item_id}/lines", include_in_schema=False)
async def live_lines(item_id: RowId, ctx: DeskViewer) -> Response:
    """Polled by the chat view; the page puts each text in with textContent, never as HTML."""
    lines = [{"direction": line["direction"], "author": line["author"], "text": line["text"],
              "at": line["at"].isoformat()} for line in await _lines(ctx, item_id)]
    return JSONResponse(lines, headers={"Cache-Control": "no-store"})


@router.post("/live/{item_id}/reply", include_in_schema=False)
async def live_reply(item_id: RowId, ctx: DeskActor) -> Response:
    text = ctx.field("text")
    if not text:
        return back(f"/console/live/{item_id}", error="validation_failed")
    try:
        await desk_of(ctx.request).reply(item_id, ctx.user.username, text[:5000])
    except IntakeError as error:
        return back(f"/console/live/{item_id}", error=error.code)
    return back(f"/console/live/{item_id}", msg="done_reply")


@router.post("/live/{item_id}/hand-back", include_in_schema=False)
async def hand_back(item_id: RowId, ctx: DeskActor) -> Response:
    try:
        await desk_of(ctx.request).hand_back(item_id, ctx.user.username)
    except IntakeError as error:
        return back(f"/console/live/{item_id}", error=error.code)
    return back("/console/queue", msg="done_saved")


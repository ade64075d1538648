"""Supervisors' notifications, the auditors' read-only audit log, and the admins' pages for users,
departments and canned responses."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from handoff.console.auth import actor, viewer
from handoff.console.web import ConsoleRoute, Ctx, RowId, back, departments_of, desk_of, handling_of, render, staff_of
from intake_core.access import ADMIN, AUDITOR, ROLES, SUPERVISOR
from intake_core.audit_search import recent_entries
from intake_core.errors import IntakeError

router = APIRouter(route_class=ConsoleRoute)

SupervisorPage = Annotated[Ctx, Depends(viewer(SUPERVISOR))]
SupervisorAct = Annotated[Ctx, Depends(actor(SUPERVISOR))]
AuditorPage = Annotated[Ctx, Depends(viewer(AUDITOR))]
AdminPage = Annotated[Ctx, Depends(viewer(ADMIN))]
AdminAct = Annotated[Ctx, Depends(actor(ADMIN))]


@router.get("/notifications", include_in_schema=False)
async def notifications(ctx: SupervisorPage, all: bool = False) -> Response:
    found = await desk_of(ctx.request).notifications(unread_only=not all)
    return render(ctx.request, "notifications.html", ctx=ctx, notifications=found, show_all=all)


@router.post("/notifications/{notification_id}/read", include_in_schema=False)
async def mark_read(notification_id: RowId, ctx: SupervisorAct) -> Response:
    await desk_of(ctx.request).mark_read(notification_id, ctx.user.username)
    return back("/console/notifications")


@router.get("/audit", include_in_schema=False)
async def audit_log(ctx: AuditorPage, chain: str = "", actor_name: str = "") -> Response:
    """Read-only: newest entries first, optionally of one case or one member of staff."""
    rows = await recent_entries(handling_of(ctx.request).database, 500, chain.strip() or None,
                                actor_name.strip() or None)
    return render(ctx.request, "audit.html", ctx=ctx, rows=rows, chain=chain, actor_name=actor_name)


# -- admin ---------------------------------------------------------------------------------------
def _admin_back(page: str, error: IntakeError | None = None) -> Response:
    return back(f"/console/admin/{page}", **({"error": error.code} if error else {"msg": "done_saved"}))


@router.get("/admin/users", include_in_schema=False)
async def users_page(ctx: AdminPage, msg: str | None = None, error: str | None = None) -> Response:
    return render(ctx.request, "admin_users.html", ctx=ctx, users=await staff_of(ctx.request).users(),
                  roles=sorted(ROLES), departments=await departments_of(ctx.request).all(), msg=msg, error=error)


@router.post("/admin/users", include_in_schema=False)
async def add_user(ctx: AdminAct) -> Response:
    try:
        await staff_of(ctx.request).add_user(ctx.field("username"), ctx.field("password"), set(ctx.fields("roles")),
                                             ctx.field("department") or None, ctx.field("display_name") or None)
    except IntakeError as error:
        return _admin_back("users", error)
    return _admin_back("users")


@router.post("/admin/users/{username}", include_in_schema=False)
async def update_user(username: str, ctx: AdminAct) -> Response:
    try:
        await staff_of(ctx.request).update_user(username, set(ctx.fields("roles")), ctx.field("department") or None,
                                                ctx.field("active") == "1")
    except IntakeError as error:
        return _admin_back("users", error)
    return _admin_back("users")


@router.get("/admin/departments", include_in_schema=False)
async def departments_page(ctx: AdminPage, msg: str | None = None, error: str | None = None) -> Response:
    return render(ctx.request, "admin_departments.html", ctx=ctx, msg=msg, error=error,
                  departments=await departments_of(ctx.request).all(include_inactive=True))


@router.post("/admin/departments", include_in_schema=False)
async def add_department(ctx: AdminAct) -> Response:
    try:
        await departments_of(ctx.request).add(ctx.field("code"), ctx.field("name_zh"), ctx.field("name_en"),
                                              ctx.field("external") == "1")
    except IntakeError as error:
        return _admin_back("departments", error)
    return _admin_back("departments")


@router.post("/admin/departments/{code}/active", include_in_schema=False)
async def toggle_department(code: str, ctx: AdminAct) -> Response:
    try:
        await departments_of(ctx.request).set_active(code, ctx.field("active") == "1")
    except IntakeError as error:
        return _admin_back("departments", error)
    return _admin_back("departments")


@router.get("/admin/canned", include_in_schema=False)
async def canned_page(ctx: AdminPage, msg: str | None = None, error: str | None = None) -> Response:
    return render(ctx.request, "admin_canned.html", ctx=ctx, msg=msg, error=error,
                  canned=await staff_of(ctx.request).canned(active_only=False))


@router.post("/admin/canned", include_in_schema=False)
async def add_canned(ctx: AdminAct) -> Response:
    try:
        await staff_of(ctx.request).add_canned(ctx.field("title"), ctx.field("text_zh"), ctx.field("text_en"),
                                               ctx.user.username)
    except IntakeError as error:
        return _admin_back("canned", error)
    return _admin_back("canned")


@router.post("/admin/canned/{canned_id}/active", include_in_schema=False)
async def toggle_canned(canned_id: int, ctx: AdminAct) -> Response:
    try:
        await staff_of(ctx.request).set_canned_active(canned_id, ctx.field("active") == "1")
    except IntakeError as error:
        return _admin_back("canned", error)
    return _admin_back("canned")

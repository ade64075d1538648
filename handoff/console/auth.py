"""Signing in and out, the session cookie, CSRF tokens and the role each page or action needs."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import replace

from fastapi import APIRouter, Request, Response

from handoff.console.i18n import label, pick_locale
from handoff.console.web import (
    COOKIE,
    LOGIN_COOKIE,
    ConsoleRoute,
    CsrfFailed,
    Ctx,
    LoginRequired,
    back,
    render,
    staff_of,
)
from intake_core.access import require
from intake_core.errors import LoginLocked

router = APIRouter(route_class=ConsoleRoute)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/console", httponly=True, samesite="strict",
                        secure=_secure(request))


async def _context(request: Request) -> Ctx:
    session_id = request.cookies.get(COOKIE, "")
    staff = staff_of(request)
    session = await staff.session(session_id) if session_id else None
    if session is None:
        raise LoginRequired
    wanted = request.query_params.get("lang")
    if wanted in ("zh", "en") and wanted != session.locale:
        await staff.set_locale(session_id, wanted)  # the toggle is remembered for the rest of the session
        session = replace(session, locale=wanted)
    ctx = Ctx(request, session_id, session)
    request.state.console = ctx  # error pages speak the member of staff's language
    return ctx


def viewer(*roles: str) -> Callable[[Request], Awaitable[Ctx]]:
    """A page for members of staff holding one of `roles` (any signed-in member when none are given)."""
    async def dependency(request: Request) -> Ctx:
        ctx = await _context(request)
        if roles:
            require(ctx.user.roles, *roles)
        return ctx
    return dependency


def actor(*roles: str) -> Callable[[Request], Awaitable[Ctx]]:
    """A POST action: the session's CSRF token must come back in the form, and the role must fit."""
    async def dependency(request: Request) -> Ctx:
        ctx = await _context(request)
        ctx.form = await request.form()
        sent = ctx.form.get("csrf")
        if not isinstance(sent, str) or not hmac.compare_digest(sent, ctx.session.csrf_token):
            raise CsrfFailed
        if roles:
            require(ctx.user.roles, *roles)
        return ctx
    return dependency


def _safe_next(target: str | None) -> str:
    # Only console paths: a crafted ?next= must not send staff to another site after login.
    if target and target.startswith("/console/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console/"


_MESSAGES = ("login_failed", "login_locked", "logged_out", "session_ended")


@router.get("/login", include_in_schema=False)
async def login_page(request: Request, next: str = "/console/", lang: str | None = None,
                     msg: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    locale = pick_locale(lang)
    response = render(request, "login.html", locale=locale, login_token=token, next=_safe_next(next),
                      message=label(locale, msg) if msg in _MESSAGES else None)
    set_cookie(request, response, LOGIN_COOKIE, token, max_age=1800)
    return response


@router.post("/login", include_in_schema=False)
async def login(request: Request) -> Response:
    form = await request.form()
    token, cookie = form.get("login_token"), request.cookies.get(LOGIN_COOKIE, "")
    locale = pick_locale(str(form.get("lang") or "zh"))
    target = _safe_next(str(form.get("next") or ""))
    if not isinstance(token, str) or not cookie or not hmac.compare_digest(token, cookie):
        return back("/console/login", lang=locale, next=target, msg="session_ended")
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    staff = staff_of(request)
    try:
        user = await staff.authenticate(username.strip(), password) if username and password else None
    except LoginLocked:
        return back("/console/login", lang=locale, next=target, msg="login_locked")
    if user is None:
        return back("/console/login", lang=locale, next=target, msg="login_failed")
    session_id, _session = await staff.open_session(user, locale)
    response = back(target)
    set_cookie(request, response, COOKIE, session_id)  # a browser-session cookie; the server enforces the timeout
    response.delete_cookie(LOGIN_COOKIE, path="/console")
    return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    ctx = await actor()(request)
    await staff_of(request).close_session(ctx.session_id)
    response = back("/console/login", lang=ctx.locale, msg="logged_out")
    response.delete_cookie(COOKIE, path="/console")
    return response

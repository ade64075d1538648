"""The console's plumbing: templates, the request context of a signed-in member of staff, error pages
and security headers for every console response."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Path as PathParam
from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData

from handoff.console.i18n import label, pick_locale
from intake_core.access import PermissionDenied
from intake_core.case_handling import CaseHandling
from intake_core.departments import Departments
from intake_core.desk import AgentDesk
from intake_core.errors import CaseNotFound, IntakeError, WorkItemNotFound
from intake_core.staff import ConsoleSession, StaffDirectory
from intake_core.taxonomy import Taxonomy

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
COOKIE = "intake_console"
LOGIN_COOKIE = "intake_console_login"  # double-submit token of the login form (no session exists yet)
SECURITY_HEADERS = {
    # Scripts only from our own files: an escaping mistake still could not run injected inline script.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",  # case pages hold personal data: never cached by the browser or proxies
}

# Autoescape on for every template: citizen text is always rendered as text.
templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                        trim_blocks=True, lstrip_blocks=True)


class LoginRequired(Exception):
    """No live session: the browser goes to the login page."""


class CsrfFailed(Exception):
    """A POST without the session's CSRF token."""


@dataclass
class Ctx:
    """A request of a signed-in member of staff."""

    request: Request
    session_id: str
    session: ConsoleSession
    form: FormData | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def user(self) -> Any:
        return self.session.user

    @property
    def locale(self) -> str:
        return self.session.locale

    def field(self, name: str) -> str:
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else ""

    def fields(self, name: str) -> list[str]:
        return [v for v in (self.form.getlist(name) if self.form is not None else []) if isinstance(v, str) and v]


# -- services on app.state ---------------------------------------------------------------------
def staff_of(request: Request) -> StaffDirectory:
    found: StaffDirectory = request.app.state.staff
    return found


def handling_of(request: Request) -> CaseHandling:
    found: CaseHandling = request.app.state.handling
    return found


def desk_of(request: Request) -> AgentDesk:
    found: AgentDesk = request.app.state.desk
    return found


def departments_of(request: Request) -> Departments:
    found: Departments = request.app.state.departments
    return found


def taxonomy_of(request: Request) -> Taxonomy | None:
    return getattr(request.app.state, "taxonomy", None)


# -- rendering ---------------------------------------------------------------------------------
def render(request: Request, template: str, status: int = 200, ctx: Ctx | None = None,
           locale: str | None = None, **values: Any) -> HTMLResponse:
    chosen = ctx.locale if ctx else pick_locale(locale)
    timezone = handling_of(request).sla.calendar.timezone

    def when(moment: datetime | None) -> str:
        return moment.astimezone(timezone).strftime("%Y-%m-%d %H:%M") if moment else "—"

    def span(left: timedelta) -> str:
        hours = abs(left.total_seconds()) / 3600
        text = f"{hours:.1f} {label(chosen, 'hours')}"
        return f"{label(chosen, 'overdue_by')} {text}" if left.total_seconds() < 0 else text

    taxonomy = taxonomy_of(request)

    def category(code: str | None) -> str:
        if not code or taxonomy is None or code not in taxonomy:
            return code or "—"
        return taxonomy.get(code).name(chosen)

    body = templates.get_template(template).render(
        t=lambda key: label(chosen, key), locale=chosen, user=ctx.user if ctx else None,
        csrf=ctx.session.csrf_token if ctx else "", path=request.url.path, when=when, span=span,
        category=category, **values)
    return HTMLResponse(body, status_code=status)


def back(path: str, **query: str) -> RedirectResponse:
    """Post/redirect/get: after an action the browser loads the page again."""
    return RedirectResponse(f"{path}?{urlencode(query)}" if query else path, status_code=303)


def error_page(request: Request, status: int, title_key: str, text: str) -> HTMLResponse:
    ctx: Ctx | None = getattr(request.state, "console", None)
    return render(request, "error.html", status=status, ctx=ctx, title_key=title_key, text=text)


class ConsoleRoute(APIRoute):
    """Turns the console's refusals into pages (login redirect, 403, 404) and adds security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await original(request)
            except LoginRequired:
                target = request.url.path if request.method == "GET" else "/console/queue"
                response = back("/console/login", next=target)
            except CsrfFailed:
                ctx = getattr(request.state, "console", None)
                response = error_page(request, 403, "forbidden", label(ctx.locale if ctx else "zh", "csrf_failed"))
            except PermissionDenied:
                ctx = getattr(request.state, "console", None)
                response = error_page(request, 403, "forbidden", label(ctx.locale if ctx else "zh", "forbidden_text"))
            except (CaseNotFound, WorkItemNotFound) as error:
                response = error_page(request, 404, "not_found", error.detail)
            except IntakeError as error:
                response = error_page(request, 400, "bad_request", error.detail)
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        return handler


# Database ids are 64-bit: a larger number in a path cannot name anything (404, not an overflow).
RowId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]

"""The agent console at /console/: server-rendered pages for staff (Jinja2, plain forms, no build step)."""

from __future__ import annotations

from fastapi import APIRouter

from handoff.console import admin_pages, auth, case_pages, queue_pages

router = APIRouter(prefix="/console", tags=["console"])
for part in (auth.router, queue_pages.router, case_pages.router, admin_pages.router):
    router.include_router(part)

__all__ = ["router"]

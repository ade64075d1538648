"""The HTTP application: every router of the adapters, mounted on one FastAPI app."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from fastapi import FastAPI, Response

from channels import case_api, open311, stats_page, telegram, web_chat
from channels.twilio import router as twilio_router
from config.metrics import HttpSurface, metrics_response
from config.openapi import document_problems
from config.problems import install_problem_handlers, problem
from config.wiring import Container, build_mailbox_for
from handoff import agent_api
from handoff.console import router as console_router
from intake_core.case_handling import CaseHandling
from intake_core.crypto import IdentityOpener
from intake_core.departments import Departments
from intake_core.staff import StaffDirectory
from intake_core.statistics import PublicStatistics

log = logging.getLogger(__name__)


def create_app(container: Container) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        container.start_workers()  # outbox relay, queue dispatcher, reply sender, idle sweeper
        await start_telegram(container)
        mailbox = build_mailbox_for(container)
        await mailbox.start()
        yield
        await mailbox.stop()
        await container.close()

    app = FastAPI(title="Complaint and report intake", version="0.1.0", lifespan=lifespan,
                  description="Citizens file complaints (投诉) and reports of harmful information (举报); "
                              "staff handle them.")
    app.state.container = container
    app.state.service = container.service
    app.state.conversations = container.conversations
    app.state.desk = container.desk
    app.state.staff_tokens = container.staff_tokens
    app.state.evidence_store = container.evidence_store
    app.state.telegram = container.telegram
    app.state.taxonomy = container.taxonomy
    app.state.staff = StaffDirectory(container.database, container.service.clock)
    app.state.limiter = container.limiter
    app.state.rate_limits = {"submit": container.settings.submit_rate_per_minute,
                             "chat": container.settings.chat_rate_per_minute}
    # Client addresses are counted under a keyed digest, never kept in the clear.
    app.state.client_secret = hmac.new(container.keys.receipt_secret, b"client address", hashlib.sha256).digest()
    app.state.departments = Departments(container.database)
    app.state.handling = CaseHandling(
        container.database, container.service, container.desk, container.sla,
        IdentityOpener(container.keys.identity_private) if container.keys.identity_private else None,
        container.service.clock)
    app.state.twilio = container.twilio
    settings = container.settings
    app.state.statistics = PublicStatistics(container.database, container.service.clock, settings.stats_min_cell,
                                            timezone=container.sla.calendar.timezone)
    app.state.open311 = open311.Open311Config(api_keys=tuple(settings.open311_api_keys),
                                              jurisdiction_id=settings.open311_jurisdiction_id,
                                              agency_responsible=settings.open311_agency_responsible)
    install_problem_handlers(app)
    document_problems(app)
    app.add_middleware(HttpSurface, max_bytes=container.settings.request_max_bytes)

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], responses={503: {"description": "Database unreachable"}})
    async def readyz() -> Response:
        """Ready to take traffic: the database answers."""
        if await container.database.ping():
            return Response('{"status":"ready"}', media_type="application/json")
        return problem(503, "not ready", "the case database is unreachable")

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics() -> Response:
        return metrics_response()

    app.include_router(case_api.router)
    app.include_router(web_chat.router)
    app.include_router(agent_api.router)
    app.include_router(telegram.router)
    app.include_router(console_router)
    app.include_router(twilio_router)
    app.include_router(stats_page.router)
    app.include_router(open311.router)
    return app


async def start_telegram(container: Container) -> None:
    """A webhook when the service has a public URL and a secret; long polling otherwise (development)."""
    channel, settings = container.telegram, container.settings
    if channel is None:
        return
    try:
        if settings.public_url and settings.telegram_webhook_secret:
            await channel.set_webhook(f"{settings.public_url.rstrip('/')}/webhooks/telegram")
        else:
            await channel.start_polling()
    except (TelegramAPIError, TelegramNetworkError) as error:
        # The other channels keep serving; the bot is set up again at the next start.
        log.error("the Telegram bot could not be set up (%s)", type(error).__name__)

"""The composition root: builds real adapters from settings and hands them to the core."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from redis.asyncio import Redis

from channels.mail.channel import build_mailbox
from channels.mail.mailbox import Mailbox, MailboxConfig
from channels.mail.sender import MailOutbound, RelayConfig
from channels.rate_limit import InProcessLimiter
from channels.telegram.channel import TelegramChannel
from channels.twilio import TwilioChannel
from channels.web_chat import WebChatOutbound
from config.settings import Settings
from dialogue.embedded_engine import EmbeddedEngine
from dialogue.form_logic import load_catalogue
from dialogue.rasa_engine import RasaEngine
from handoff.dispatcher import QueueDispatcher, pools_by_topic
from handoff.idle_sweeper import IdleTakeoverSweeper
from handoff.in_process_queue import InProcessQueue
from handoff.outbox_relay import OutboxRelay
from handoff.queue_trimmer import QueueTrimmer
from handoff.redis_locks import RedisConversationLocks
from handoff.redis_rate_limit import RedisLimiter
from handoff.redis_streams_queue import RedisStreamsQueue
from handoff.reply_sender import ReplySender
from handoff.sla_worker import SlaMonitorWorker
from handoff.worker import BackgroundWorker
from intake_core.calendar import WorkingCalendar
from intake_core.conversation_service import ConversationPolicy, ConversationService
from intake_core.crypto import IdentityOpener, IdentitySealer, KeyMaterial, load_or_create_keys
from intake_core.desk import AgentDesk, DeskPolicy
from intake_core.evidence_store import FileEvidenceStore
from intake_core.locks import InProcessLocks
from intake_core.ports import (
    Clock,
    ConversationLocks,
    Dialogue,
    HandoffQueue,
    Outbound,
    RequestLimiter,
    SystemClock,
)
from intake_core.priority import PriorityRules
from intake_core.review import ReviewService
from intake_core.service import IntakeService, ReceiptPolicy
from intake_core.sla import SlaPolicy, read_calendar_settings
from intake_core.sla_monitor import SlaMonitor
from intake_core.staff_tokens import StaffTokens
from intake_core.storage.database import Database
from intake_core.taxonomy import Taxonomy
from intake_core.texts import Texts
from intake_core.validation import Limits


@dataclass
class Container:
    settings: Settings
    database: Database
    taxonomy: Taxonomy
    sla: SlaPolicy
    keys: KeyMaterial
    service: IntakeService
    conversations: ConversationService
    dialogue: Dialogue
    queue: HandoffQueue
    relay: OutboxRelay
    desk: AgentDesk
    staff_tokens: StaffTokens
    dispatcher: QueueDispatcher
    sweeper: IdleTakeoverSweeper
    sla_worker: SlaMonitorWorker
    evidence_store: FileEvidenceStore
    trimmer: QueueTrimmer
    limiter: RequestLimiter
    outbounds: dict[str, Outbound] = field(default_factory=dict)
    telegram: TelegramChannel | None = None
    twilio: TwilioChannel | None = None
    mail_outbound: MailOutbound | None = None
    sender: ReplySender | None = None  # None on intake-only hosts, which lack the private key

    @property
    def workers(self) -> list[BackgroundWorker]:
        """The background loops `intake serve` runs beside the HTTP server."""
        workers: list[BackgroundWorker] = [self.relay, self.dispatcher, self.sweeper, self.sla_worker, self.trimmer]
        return workers + ([self.sender] if self.sender else [])

    @property
    def sla_monitor(self) -> SlaMonitor:
        return self.sla_worker.monitor

    def start_workers(self) -> None:
        for worker in self.workers:
            worker.start()

    async def close(self) -> None:
        if self.telegram is not None:
            await self.telegram.stop()
        if self.twilio is not None:
            await self.twilio.stop()
        for worker in self.workers:
            await worker.stop()
        await self.queue.close()
        if isinstance(self.conversations.locks, RedisConversationLocks):
            await self.conversations.locks.client.aclose()
        if isinstance(self.dialogue, RasaEngine):
            await self.dialogue.close()
        await self.database.dispose()


def build_sla(settings: Settings) -> SlaPolicy:
    hours = read_calendar_settings(settings.sla_file)
    calendar = WorkingCalendar.from_yaml(settings.holidays_file, timezone=hours.timezone,
                                         work_start=hours.work_start, work_end=hours.work_end)
    return SlaPolicy.from_yaml(settings.sla_file, calendar)


def build_container(settings: Settings | None = None, clock: Clock | None = None) -> Container:
    settings = settings or Settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.database_url)
    taxonomy = Taxonomy.from_yaml(settings.categories_file)
    sla = build_sla(settings)
    keys = load_or_create_keys(settings.resolved_keys_dir)
    sealer = IdentitySealer(keys.identity_public)
    service = IntakeService(
        database=database, taxonomy=taxonomy, priority_rules=PriorityRules.from_yaml(settings.priority_file),
        sla=sla, sealer=sealer, receipt_secret=keys.receipt_secret,
        clock=clock or SystemClock(), limits=Limits(description_max=settings.description_max_chars),
        receipt_policy=ReceiptPolicy(settings.receipt_max_failures,
                                     timedelta(minutes=settings.receipt_lockout_minutes)),
    )
    texts = Texts.from_yaml(settings.messages_file, sla.calendar.timezone)
    desk = AgentDesk(database, service, texts, service.clock, DeskPolicy(
        live_response=timedelta(minutes=settings.live_response_minutes),
        minutes_per_live_request=settings.minutes_per_live_request,
        takeover_idle=timedelta(minutes=settings.takeover_idle_minutes)))
    dialogue = build_dialogue(settings, service.clock, sla.calendar.timezone)
    conversations = ConversationService(
        database=database, intake=service, dialogue=dialogue, locks=build_locks(settings), texts=texts,
        sealer=sealer, sender_secret=keys.receipt_secret, clock=service.clock, desk=desk,
        review=ReviewService(database, service, service.clock, timedelta(days=settings.review_window_days)),
        policy=ConversationPolicy(idle_timeout=timedelta(minutes=settings.conversation_idle_minutes),
                                  max_text_chars=settings.message_max_chars,
                                  channel_idle_timeouts={
                                      "email": timedelta(days=settings.email_conversation_idle_days)}))
    queue: HandoffQueue = (RedisStreamsQueue.from_url(settings.redis_url) if settings.redis_url
                           else InProcessQueue(database, clock=service.clock))
    relay = OutboxRelay(database, queue, clock=service.clock)
    container = Container(settings, database, taxonomy, sla, keys, service, conversations, dialogue, queue, relay,
                          desk, StaffTokens(database, service.clock), QueueDispatcher(queue, desk),
                          IdleTakeoverSweeper(desk),
                          SlaMonitorWorker(SlaMonitor(database, sla, desk, texts, service.clock)),
                          FileEvidenceStore(settings.resolved_evidence_dir,
                                            max_bytes=service.limits.evidence_max_bytes),
                          QueueTrimmer(queue, database, pools_by_topic(),
                                       timedelta(hours=settings.queue_keep_hours), service.clock),
                          build_limiter(settings))
    container.outbounds["web"] = WebChatOutbound()
    container.outbounds["email"] = container.mail_outbound = build_mail_outbound(settings)
    if settings.telegram_token:
        container.telegram = TelegramChannel(settings.telegram_token, settings.telegram_api_base,
                                             settings.telegram_webhook_secret, conversations, container.evidence_store,
                                             send_rate_per_second=settings.telegram_send_rate)
        container.outbounds["telegram"] = container.telegram.outbound
    if settings.twilio_account_sid and settings.twilio_auth_token and settings.public_url:
        container.twilio = TwilioChannel(settings.twilio_account_sid, settings.twilio_auth_token,
                                         settings.twilio_from_number, settings.public_url, conversations,
                                         container.evidence_store, api_base=settings.twilio_api_base)
        # SMS only: a call cannot be answered later, so the reply sender records such answers as
        # undeliverable and they wait behind the receipt.
        container.outbounds["sms"] = container.twilio.sms_outbound
    if keys.identity_private is not None:
        container.sender = ReplySender(database, service, IdentityOpener(keys.identity_private),
                                       container.outbounds, service.clock)
        desk.on_outbound = container.sender.notify
    return container


def build_mail_outbound(settings: Settings) -> MailOutbound:
    """Replies through the configured relay; without one, .eml files under <var_dir>/outbox."""
    relay = (RelayConfig(settings.smtp_relay_host, settings.smtp_relay_port, settings.smtp_relay_user,
                         settings.smtp_relay_password, settings.smtp_relay_starttls)
             if settings.smtp_relay_host else None)
    return MailOutbound(settings.mail_from, settings.var_dir / "outbox", relay)


def build_mailbox_for(container: Container, host: str | None = None, port: int | None = None) -> Mailbox:
    settings = container.settings
    assert container.mail_outbound is not None
    listen_port = settings.smtp_port if port is None else port
    return build_mailbox(container.conversations, container.mail_outbound, settings.resolved_evidence_dir,
                         MailboxConfig(host=host or settings.smtp_host, port=listen_port,
                                       addresses=tuple(settings.mailbox_addresses),
                                       max_message_bytes=settings.smtp_max_message_bytes,
                                       max_recipients=settings.smtp_max_recipients,
                                       timeout_seconds=settings.smtp_timeout_seconds,
                                       tls_cert=settings.smtp_tls_cert, tls_key=settings.smtp_tls_key,
                                       senders_per_minute=settings.mail_senders_per_minute),
                         settings.mail_rate_per_hour, container.limiter)


def build_limiter(settings: Settings) -> RequestLimiter:
    """Shared by every replica through Redis when there is one, else this process's own counts."""
    if settings.redis_url:
        return RedisLimiter(Redis.from_url(settings.redis_url, socket_connect_timeout=1.0, socket_timeout=1.0))
    return InProcessLimiter()


def build_locks(settings: Settings) -> ConversationLocks:
    if settings.redis_url:
        return RedisConversationLocks(Redis.from_url(settings.redis_url, socket_connect_timeout=2.0,
                                                     socket_timeout=5.0))
    return InProcessLocks()


def build_dialogue(settings: Settings, clock: Clock, timezone: ZoneInfo) -> Dialogue:
    embedded = EmbeddedEngine(catalogue=load_catalogue(settings.categories_file),
                              clock=lambda: clock.now().astimezone(timezone))
    if settings.rasa_url:
        return RasaEngine(settings.rasa_url, fallback=embedded, timeout=settings.rasa_timeout_seconds,
                          category_required=embedded.catalogue.category_required)
    return embedded

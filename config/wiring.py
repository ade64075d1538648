"""The composition root: builds real adapters from settings and hands them to the core."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from config.settings import Settings
from dialogue.embedded_engine import EmbeddedEngine
from dialogue.form_logic import load_catalogue
from dialogue.rasa_engine import RasaEngine
from handoff.in_process_queue import InProcessQueue
from handoff.outbox_relay import OutboxRelay
from handoff.redis_streams_queue import RedisStreamsQueue
from intake_core.calendar import WorkingCalendar
from intake_core.conversation_service import ConversationPolicy, ConversationService
from intake_core.crypto import IdentitySealer, KeyMaterial, load_or_create_keys
from intake_core.locks import InProcessLocks
from intake_core.ports import Clock, Dialogue, HandoffQueue, SystemClock
from intake_core.priority import PriorityRules
from intake_core.service import IntakeService, ReceiptPolicy
from intake_core.sla import SlaPolicy, read_calendar_settings
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

    async def close(self) -> None:
        await self.relay.stop()
        await self.queue.close()
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
    dialogue = build_dialogue(settings, service.clock, sla.calendar.timezone)
    conversations = ConversationService(
        database=database, intake=service, dialogue=dialogue, locks=InProcessLocks(),
        texts=Texts.from_yaml(settings.messages_file, sla.calendar.timezone),
        sealer=sealer, sender_secret=keys.receipt_secret, clock=service.clock,
        policy=ConversationPolicy(idle_timeout=timedelta(minutes=settings.conversation_idle_minutes),
                                  max_text_chars=settings.message_max_chars))
    queue: HandoffQueue = (RedisStreamsQueue.from_url(settings.redis_url) if settings.redis_url
                           else InProcessQueue(database, clock=service.clock))
    relay = OutboxRelay(database, queue, clock=service.clock)
    return Container(settings, database, taxonomy, sla, keys, service, conversations, dialogue, queue, relay)


def build_dialogue(settings: Settings, clock: Clock, timezone: ZoneInfo) -> Dialogue:
    embedded = EmbeddedEngine(catalogue=load_catalogue(settings.categories_file),
                              clock=lambda: clock.now().astimezone(timezone))
    if settings.rasa_url:
        return RasaEngine(settings.rasa_url, fallback=embedded, timeout=settings.rasa_timeout_seconds)
    return embedded

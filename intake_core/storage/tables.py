"""The relational schema (SQLAlchemy Core). Alembic migrations under migrations/ create it."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from intake_core.storage.types import UtcDateTime

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT.
Id = BigInteger().with_variant(Integer(), "sqlite")

clusters = Table(
    "clusters", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("target_canonical", String(2048), nullable=False, unique=True),
    Column("first_tracking_no", String(32), nullable=False),
    Column("size", Integer, nullable=False, default=1),
    Column("created_at", UtcDateTime, nullable=False),
)

cases = Table(
    "cases", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("tracking_no", String(32), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("category", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("priority", String(4), nullable=False),
    Column("jurisdiction", String(16), nullable=False),
    Column("referral_body", Text),
    Column("channel", String(32), nullable=False),
    Column("first_receiver", String(128)),
    Column("locale", String(8), nullable=False),
    Column("description", Text, nullable=False),
    Column("target", Text),
    Column("target_type", String(16)),
    Column("target_canonical", String(2048)),
    Column("cluster_id", ForeignKey("clusters.id")),
    Column("occurred_at", UtcDateTime),
    Column("received_at", UtcDateTime, nullable=False),
    Column("sla_profile", String(32), nullable=False),
    Column("acknowledge_by", UtcDateTime, nullable=False),
    Column("progress_notice_by", UtcDateTime, nullable=False),
    Column("answer_by", UtcDateTime, nullable=False),
    Column("answer_extended_by", UtcDateTime),
    Column("review_by", UtcDateTime),
    Column("anonymous", Boolean, nullable=False),
    Column("identity_sealed", LargeBinary),  # SealedBox: identity and contact route
    Column("receipt_digest", String(64), unique=True),
    Column("receipt_failures", Integer, nullable=False, default=0),
    Column("receipt_locked_until", UtcDateTime),
    Column("conversation_key", String(256)),
    Column("sender_digest", String(64)),  # keyed hash of the sender's address: "same sender" checks
    Column("public_answer", Text),
    Column("answered_at", UtcDateTime),
    Column("closed_at", UtcDateTime),
    Column("assignee", String(128)),  # the member of staff handling the case (first receiver after intake)
    Column("reviewer", String(128)),  # who handles a review (复核): never the original handler
    Column("anonymised_at", UtcDateTime),  # retention removed personal data and evidence files
    Column("audit_position", Integer, nullable=False, default=0),
    Column("audit_head", String(64), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_cases_queue", "status", "priority", "answer_by"),
    Index("ix_cases_cluster", "cluster_id"),
)

evidence = Table(
    "evidence", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(512), nullable=False),
    Column("media_type", String(128), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("stored_path", String(1024), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
)

case_notes = Table(
    "case_notes", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("source", String(32), nullable=False),  # citizen, agent, system
    Column("text", Text, nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("chain", String(32), nullable=False),
    Column("position", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("from_status", String(32)),
    Column("to_status", String(32)),
    Column("reason", Text),
    Column("reason_digest", String(64)),  # what the hash covers; outlives the reason under retention
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("chain", "position", name="uq_audit_log_chain_position"),
)

audit_heads = Table(  # heads of chains that belong to no case (system events)
    "audit_heads", metadata,
    Column("chain", String(32), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

outbox = Table(
    "outbox", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("topic", String(64), nullable=False),
    Column("case_ref", String(64)),  # tracking number: rows of one case are published in order
    Column("payload", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime),
    Column("attempts", Integer, nullable=False, default=0),
    Index("ix_outbox_unpublished", "published_at", "id"),
)

# The in-process handoff queue (embedded default): published outbox rows in publication order,
# and per pool the position reached and the entries handed out but not yet acknowledged.
handoff_entries = Table(
    "handoff_entries", metadata,
    Column("seq", Id, primary_key=True, autoincrement=True),  # publication order, as a stream id
    Column("outbox_id", ForeignKey("outbox.id"), nullable=False, unique=True),  # the idempotency key
    Column("topic", String(64), nullable=False),
    Column("published_at", UtcDateTime, nullable=False),
    Index("ix_handoff_entries_topic", "topic", "seq"),
)

handoff_pools = Table(  # one consumer group per (topic, pool), like XGROUP's last-delivered id
    "handoff_pools", metadata,
    Column("topic", String(64), primary_key=True),
    Column("pool", String(64), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
)

handoff_deliveries = Table(  # the pending entries of each pool (dead letters keep dead_at)
    "handoff_deliveries", metadata,
    Column("pool", String(64), primary_key=True),
    Column("seq", ForeignKey("handoff_entries.seq", ondelete="CASCADE"), primary_key=True),
    Column("topic", String(64), nullable=False),
    Column("consumer", String(128), nullable=False),
    Column("deliveries", Integer, nullable=False),
    Column("claimed_at", UtcDateTime, nullable=False),
    Column("dead_at", UtcDateTime),
    Index("ix_handoff_deliveries_idle", "topic", "pool", "dead_at", "claimed_at"),
)

idempotency_keys = Table(
    "idempotency_keys", metadata,
    Column("key", String(256), primary_key=True),
    Column("scope", String(32), nullable=False),
    Column("result", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

conversations = Table(
    "conversations", metadata,
    Column("key", String(256), primary_key=True),  # channel-scoped, e.g. "web:abc", "telegram:<hash>"
    Column("channel", String(32), nullable=False),
    Column("locale", String(8), nullable=False),
    Column("state", JSON, nullable=False),  # the dialogue engine's slots and form position
    Column("held_by", String(128)),  # agent who took the conversation over; the bot stays silent
    Column("agent_active_at", UtcDateTime),  # the holding agent's last action: idle holds return to the bot
    Column("sender_digest", String(64), nullable=False),
    Column("contact_route", LargeBinary),  # sealed route back to the citizen
    Column("started_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

transcript = Table(
    "transcript", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("conversation_key", String(256), nullable=False, index=True),
    Column("direction", String(8), nullable=False),  # in, out
    Column("author", String(128), nullable=False),  # citizen, bot, agent:<id>
    Column("text", Text, nullable=False),
    Column("turn_key", String(256), nullable=False),  # idempotency key of the inbound message
    Column("at", UtcDateTime, nullable=False),
    Column("case_tracking_no", String(32)),
    Index("ix_transcript_turn", "turn_key"),
)

inbound_keys = Table(  # every inbound message once: the channel's own id (update_id, MessageSid, ...)
    "inbound_keys", metadata,
    Column("key", String(256), primary_key=True),
    Column("conversation_key", String(256), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
)

work_items = Table(  # the agents' queue, materialized from handoff queue entries
    "work_items", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source_entry", String(64), nullable=False, unique=True),  # queue entry id: materialized once
    Column("kind", String(16), nullable=False),  # case, live (a citizen asked for a person)
    Column("tracking_no", String(32), index=True),
    Column("conversation_key", String(256), index=True),
    Column("channel", String(32), nullable=False),
    Column("priority", String(4), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("state", String(16), nullable=False),  # open, claimed, done
    Column("claimed_by", String(128)),
    Column("claimed_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_work_items_order", "state", "priority", "due_at"),
)

notifications = Table(  # for supervisors: P1 escalations and other things a person must see at once
    "notifications", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source_entry", String(64), nullable=False, unique=True),
    Column("audience", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("tracking_no", String(32)),
    Column("detail", JSON, nullable=False),  # codes only, like the event it came from
    Column("created_at", UtcDateTime, nullable=False),
    Column("read_at", UtcDateTime),
    Column("read_by", String(128)),
)

outbound_messages = Table(  # staff and service messages to citizens, sent by the reply sender with retries
    "outbound_messages", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("channel", String(32), nullable=False),
    Column("conversation_key", String(256)),
    Column("tracking_no", String(32), index=True),
    Column("contact_route", LargeBinary),  # sealed; opened only by the sender
    Column("thread", JSON, nullable=False),
    Column("author", String(128), nullable=False),
    Column("text", Text, nullable=False),
    Column("state", String(16), nullable=False),  # pending, sent, undeliverable
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", String(256)),  # the kind of failure, never an address
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    Index("ix_outbound_due", "state", "next_attempt_at"),
)

api_tokens = Table(  # bearer tokens of the agent API; only their SHA-256 is kept
    "api_tokens", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("agent", String(128), nullable=False),
    Column("roles", String(256), nullable=False),  # comma-separated: agent, supervisor
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

departments = Table(  # the organisation's departments (and external bodies cases are transferred to)
    "departments", metadata,
    Column("code", String(64), primary_key=True),
    Column("name_zh", String(256), nullable=False),
    Column("name_en", String(256), nullable=False),
    Column("external", Boolean, nullable=False, default=False),  # a body outside the organisation (移送)
    Column("active", Boolean, nullable=False, default=True),
)

case_departments = Table(  # lead and cooperating departments of a case
    "case_departments", metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("department", ForeignKey("departments.code"), primary_key=True),
    Column("role", String(16), nullable=False),  # lead, cooperating
    Column("assigned_at", UtcDateTime, nullable=False),
    Column("assigned_by", String(128), nullable=False),
)

case_progress = Table(  # progress each department reports into the case
    "case_progress", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("department", String(64), nullable=False),
    Column("author", String(128), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

ratings = Table(  # the citizen's satisfaction after closing
    "ratings", metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("score", Integer, nullable=False),
    Column("comment", Text),
    Column("rated_at", UtcDateTime, nullable=False),
)

sla_notices = Table(  # what the SLA monitor did, once per case and kind
    "sla_notices", metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(32), primary_key=True),  # acknowledgement, progress_notice, reminder, breach, ...
    Column("at", UtcDateTime, nullable=False),
)

users = Table(  # staff of the agent console; passwords kept only as argon2 hashes
    "users", metadata,
    Column("username", String(128), primary_key=True),
    Column("display_name", String(256), nullable=False),
    Column("password_hash", String(256), nullable=False),
    Column("roles", String(256), nullable=False),  # comma-separated: agent, handler, supervisor, ...
    Column("department", String(64)),  # a handler's department code
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

console_sessions = Table(  # server-side console sessions; only the SHA-256 of the cookie value is kept
    "console_sessions", metadata,
    Column("id_digest", String(64), primary_key=True),
    Column("username", ForeignKey("users.username", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("locale", String(8), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

login_failures = Table(  # failed console logins per user name, known or not, for the lockout
    "login_failures", metadata,
    Column("name_digest", String(64), primary_key=True),  # SHA-256 of the name typed: any length, any text
    Column("failures", Integer, nullable=False),
    Column("first_failed_at", UtcDateTime, nullable=False),
    Column("locked_until", UtcDateTime),
)

canned_responses = Table(  # replies agents insert with one click, managed by admins
    "canned_responses", metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("title", String(128), nullable=False),
    Column("text_zh", Text, nullable=False),
    Column("text_en", Text, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_by", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

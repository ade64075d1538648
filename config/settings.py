"""Service settings: environment variables INTAKE_* and an optional intake.toml."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

CONFIG_DIR = Path(__file__).resolve().parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", toml_file="intake.toml", extra="ignore")

    database_url: str = Field("", description="SQLAlchemy async URL; default: SQLite file <var_dir>/intake.db; "
                                              "postgresql+asyncpg://user@host/db in production")
    redis_url: str | None = Field(None, description="Redis for the handoff queue; unset = in-process queue")
    rasa_url: str | None = Field(None, description="Rasa server REST base URL; unset = embedded dialogue engine")
    http_host: str = Field("127.0.0.1", description="HTTP listen address")
    http_port: int = Field(8080, description="HTTP listen port")
    public_url: str | None = Field(None, description="Public base URL (webhooks, Twilio signatures)")
    var_dir: Path = Field(Path("var"), description="Runtime data: database, keys, evidence, outbox, logs")
    keys_dir: Path | None = Field(None, description="Key pair and receipt secret; default <var_dir>/keys")
    evidence_dir: Path | None = Field(None, description="Stored evidence files; default <var_dir>/evidence")
    categories_file: Path = Field(CONFIG_DIR / "categories.yaml", description="Category taxonomy")
    sla_file: Path = Field(CONFIG_DIR / "sla.yaml", description="SLA profiles and working hours")
    holidays_file: Path = Field(CONFIG_DIR / "holidays.yaml", description="Holiday years the package lacks")
    priority_file: Path = Field(CONFIG_DIR / "priority.yaml", description="Priority keyword rules")
    messages_file: Path = Field(CONFIG_DIR / "messages.yaml", description="Replies the service composes")
    rasa_timeout_seconds: float = Field(10.0, description="How long a turn waits for Rasa before the "
                                                          "embedded engine answers instead")
    conversation_idle_minutes: int = Field(30, description="An unfinished conversation expires after this")
    email_conversation_idle_days: int = Field(14, description="An unfinished email conversation expires after "
                                                             "this (citizens answer email slowly)")
    message_max_chars: int = Field(5000, description="Longer chat messages are clipped, with a notice")
    description_max_chars: int = Field(5000, description="Longest accepted case description")
    request_max_bytes: int = Field(1_000_000, description="Largest accepted JSON request body")
    receipt_max_failures: int = Field(5, description="Wrong receipts before a case's receipt locks")
    receipt_lockout_minutes: int = Field(15, description="How long a locked receipt stays locked")
    telegram_token: str | None = Field(None, description="Bot token; unset = no Telegram channel")
    telegram_webhook_secret: str | None = Field(None, description="Secret token Telegram sends with each webhook "
                                                                 "call; required for the webhook")
    telegram_api_base: str | None = Field(None, description="Another Bot API server (a local one, or a test "
                                                           "double); unset = api.telegram.org")
    telegram_send_rate: float = Field(25.0, description="Messages per second the bot sends at most, all chats "
                                                        "together (the Bot API allows about 30)")
    twilio_account_sid: str | None = Field(None, description="Twilio account SID; unset = no SMS/voice channel")
    twilio_auth_token: str | None = Field(None, description="Twilio auth token: checks webhook signatures, "
                                                           "authenticates REST sends")
    twilio_from_number: str | None = Field(None, description="The E.164 number SMS replies are sent from")
    twilio_api_base: str | None = Field(None, description="Another Twilio REST base URL (a test double); "
                                                         "unset = api.twilio.com")
    review_window_days: int = Field(30, description="A citizen may ask for review (复核) this long after the "
                                                   "answer; closed cases are archived after it")
    takeover_idle_minutes: int = Field(15, description="A live conversation whose agent is silent this long "
                                                       "goes back to the bot, with a message")
    live_response_minutes: int = Field(10, description="How soon a \"talk to a person\" request is due; "
                                                       "it sorts the request among the cases")
    submit_rate_per_minute: int = Field(20, ge=0, description="Case submissions (POST /api/v1/cases) one client "
                                                              "address may make per minute; 0 = no limit")
    chat_rate_per_minute: int = Field(120, ge=0, description="Web chat messages one client address may send "
                                                             "per minute; 0 = no limit")
    trusted_proxies: str = Field("127.0.0.1", description="Addresses of reverse proxies whose X-Forwarded-For "
                                                          "names the client (comma-separated, or *)")
    queue_keep_hours: int = Field(72, ge=1, description="Handoff queue entries every pool has acknowledged, and "
                                                        "published outbox rows, are removed after this")
    minutes_per_live_request: int = Field(5, description="Expected wait told to a citizen, per conversation "
                                                         "ahead of them in the queue")
    smtp_host: str = Field("127.0.0.1", description="SMTP mailbox listen address")
    smtp_port: int = Field(2525, description="SMTP mailbox listen port")
    mailbox_addresses: list[str] = Field(["complaints@localhost"], description="Recipient addresses the "
                                         "mailbox accepts (JSON list); others get 550")
    smtp_max_message_bytes: int = Field(25 * 1024 * 1024, description="Largest accepted email (552 beyond)")
    smtp_max_recipients: int = Field(20, description="Recipients per SMTP transaction (452 beyond)")
    smtp_timeout_seconds: float = Field(300.0, description="An idle SMTP connection is closed after this")
    smtp_tls_cert: Path | None = Field(None, description="PEM certificate; with the key, STARTTLS is offered")
    smtp_tls_key: Path | None = Field(None, description="PEM private key of the STARTTLS certificate")
    smtp_relay_host: str | None = Field(None, description="Relay for outgoing replies; unset = .eml files "
                                                           "in <var_dir>/outbox")
    smtp_relay_port: int = Field(587, description="Relay port")
    smtp_relay_user: str | None = Field(None, description="Relay login name")
    smtp_relay_password: str | None = Field(None, description="Relay password")
    smtp_relay_starttls: bool = Field(True, description="Use STARTTLS with the relay")
    mail_from: str = Field("complaints@localhost", description="From address of replies; its domain "
                                                               "names our Message-IDs")
    mail_senders_per_minute: int = Field(30, ge=0, description="Emails one envelope sender may deliver per "
                                                               "minute; more get 450 4.7.1 and the sending "
                                                               "server retries later; 0 = no limit")
    mail_rate_per_hour: int = Field(10, description="Automatic replies per sender and hour; later "
                                                    "messages are stored but not answered")
    stats_min_cell: int = Field(5, ge=1, description="Public statistics: counts below this (and rates or "
                                                     "medians from fewer cases) are suppressed")
    open311_api_keys: list[str] = Field([], description="Open311 API keys allowed to file and list cases "
                                                        "(JSON list); empty = Open311 filing is closed")
    open311_jurisdiction_id: str | None = Field(None, description="Open311 jurisdiction_id; when set, requests "
                                                                  "naming another jurisdiction get 404")
    open311_agency_responsible: str | None = Field(None, description="Open311 agency_responsible of in-scope "
                                                                     "cases (referred ones name the competent body)")
    log_level: str = Field("INFO", description="Log level")
    log_file: Path | None = Field(None, description="Also log to this file (JSON lines)")

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls), file_secret_settings)

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.var_dir / 'intake.db'}"
        return self

    @property
    def resolved_keys_dir(self) -> Path:
        return self.keys_dir or self.var_dir / "keys"

    @property
    def resolved_evidence_dir(self) -> Path:
        return self.evidence_dir or self.var_dir / "evidence"

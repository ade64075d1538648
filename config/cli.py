"""The `intake` command line."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

import click

from config.settings import Settings

if TYPE_CHECKING:
    from config.wiring import Container
    from intake_core.storage.database import Database

T = TypeVar("T")


def on_container(work: Callable[[Container], Awaitable[T]], settings: Settings | None = None) -> T:
    """Runs `work` against the service's container built from settings, closed afterwards."""
    from config.wiring import build_container

    async def run() -> T:
        container = build_container(settings or Settings())
        try:
            return await work(container)
        finally:
            await container.close()

    return asyncio.run(run())


def on_database(work: Callable[[Database], Awaitable[T]], upgrade: bool = False) -> T:
    """Runs `work` against the case database alone (migrated first when asked), disposed afterwards;
    a domain refusal becomes a clear command-line error."""
    from intake_core.errors import IntakeError
    from intake_core.storage.database import Database
    from intake_core.storage.migrate import upgrade_async

    async def run() -> T:
        settings = Settings()
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        if upgrade:
            await upgrade_async(settings.database_url)
        database = Database(settings.database_url)
        try:
            return await work(database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(run())
    except IntakeError as error:
        raise click.ClickException(error.detail) from None


@click.group(help="Complaint and harmful-information report intake service.")
def main() -> None:
    pass


@main.command(help="Run the HTTP service (API, web chat, webhooks, console).")
@click.option("--host", default=None, help="Listen address (default INTAKE_HTTP_HOST).")
@click.option("--port", default=None, type=int, help="Listen port (default INTAKE_HTTP_PORT).")
@click.option("--upgrade/--no-upgrade", default=True, help="Apply database migrations first.")
def serve(host: str | None, port: int | None, upgrade: bool) -> None:
    import uvicorn

    from config.app import create_app
    from config.logs import configure_logging
    from config.wiring import build_container
    from intake_core.storage.migrate import upgrade as upgrade_schema

    settings = Settings()
    configure_logging(settings.log_level, settings.log_file or settings.var_dir / "log" / "intake.log")
    if upgrade:
        upgrade_schema(settings.database_url)
    app = create_app(build_container(settings))
    uvicorn.run(app, host=host or settings.http_host, port=port or settings.http_port,
                log_config=None, access_log=False, proxy_headers=True,
                forwarded_allow_ips=settings.trusted_proxies)


@main.command(help="Run the SMTP complaint mailbox alone (no HTTP) until Ctrl-C.")
@click.option("--host", default=None, help="Listen address (default INTAKE_SMTP_HOST).")
@click.option("--port", default=None, type=int, help="Listen port (default INTAKE_SMTP_PORT).")
@click.option("--upgrade/--no-upgrade", default=True, help="Apply database migrations first.")
def smtp(host: str | None, port: int | None, upgrade: bool) -> None:
    from config.logs import configure_logging
    from config.wiring import build_container, build_mailbox_for
    from intake_core.storage.migrate import upgrade_async

    async def run() -> None:
        settings = Settings()
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        configure_logging(settings.log_level, settings.log_file or settings.var_dir / "log" / "intake.log")
        if upgrade:
            await upgrade_async(settings.database_url)
        container = build_container(settings)
        mailbox = build_mailbox_for(container, host, port)
        container.start_workers()  # the reply sender sends the mailbox's replies
        await mailbox.start()
        click.echo(f"mailbox listening on {mailbox.config.host}:{mailbox.port}")
        try:
            await asyncio.Event().wait()
        finally:
            await mailbox.stop()
            await container.close()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


@main.group(help="Database schema.")
def db() -> None:
    pass


@db.command("upgrade", help="Apply all migrations (creates the SQLite file under ./var/ if needed).")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    from intake_core.storage.migrate import upgrade

    settings = Settings()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url, revision)
    click.echo(f"database at revision {revision}")


@main.group(help="The append-only audit log.")
def audit() -> None:
    pass


@audit.command("verify", help="Check every hash chain; exit 1 if any entry was edited or removed.")
def audit_verify() -> None:
    from intake_core.audit_verify import verify_audit_log

    report = on_container(lambda container: verify_audit_log(container.database))
    for problem in report.problems:
        click.echo(f"BROKEN {problem.chain} #{problem.position}: {problem.problem}")
    click.echo(f"{report.chains} chains, {report.entries} entries: "
               f"{'intact' if report.intact else f'{len(report.problems)} problems'}")
    sys.exit(0 if report.intact else 1)


@main.command(help="Talk to the dialogue in the terminal, as a citizen would (Ctrl-D ends).")
@click.option("--locale", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def chat(locale: str) -> None:
    import secrets

    from config.wiring import build_container
    from intake_core.messages import InboundMessage
    from intake_core.storage.migrate import upgrade_async

    async def run() -> None:
        settings = Settings()
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        await upgrade_async(settings.database_url)
        container = build_container(settings)
        conversation = secrets.token_hex(8)
        try:
            text = "你好" if locale == "zh" else "hello"  # the bot introduces itself first
            while True:
                reception = await container.conversations.receive(InboundMessage(
                    channel="terminal", conversation_key=f"terminal:{conversation}", sender_handle=conversation,
                    text=text, idempotency_key=f"terminal:{conversation}:{secrets.token_hex(8)}",
                    received_at=container.service.now(), locale=locale))
                for reply in reception.replies:
                    click.echo(reply.text)
                    for button in reply.buttons:
                        click.echo(f"  [{button.payload}] {button.title}")
                try:
                    text = await asyncio.to_thread(input, "> ")
                except EOFError:
                    break
        finally:
            await container.close()

    asyncio.run(run())


@main.group(help="The Rasa server (production NLU): environment, training, servers.")
def rasa() -> None:
    pass


@rasa.command("env", help="Build (or reuse) the Python 3.10 environment with Rasa 3.6 outside the clone.")
def rasa_env() -> None:
    from dialogue import rasa_runtime

    click.echo(rasa_runtime.ensure_environment())


@rasa.command("train", help="Train a model; reused while the Rasa project files are unchanged.")
@click.option("--force", is_flag=True, help="Train even when a model for these files exists.")
def rasa_train(force: bool) -> None:
    from dialogue import rasa_runtime

    click.echo(rasa_runtime.train(force=force))


@rasa.command("up", help="Run the Rasa server (5005) and the action server (5055) on loopback until Ctrl-C.")
def rasa_up() -> None:
    import time

    from dialogue import rasa_runtime

    with rasa_runtime.up() as servers:
        click.echo(f"Rasa: {servers.rasa_url}  actions: {servers.actions_url}; set INTAKE_RASA_URL={servers.rasa_url}")
        while all(p.poll() is None for p in servers.processes):
            time.sleep(1)


@rasa.command("evaluate", help="Intent F1 of Rasa and accuracy of the embedded matcher on a held-out split.")
def rasa_evaluate() -> None:
    from dialogue import rasa_runtime

    click.echo(f"rasa intent macro F1: {rasa_runtime.macro_f1(rasa_runtime.evaluate_nlu()):.3f}")



@main.group(help="Staff access to the agent API.")
def agent() -> None:
    pass


@agent.command("token", help="Issue a bearer token for the agent API; it is shown once.")
@click.argument("agent_name")
@click.option("--role", "roles", multiple=True, type=click.Choice(["agent", "supervisor"]), default=["agent"],
              show_default=True, help="Repeat for several roles.")
def agent_token(agent_name: str, roles: tuple[str, ...]) -> None:
    click.echo(on_container(lambda container: container.staff_tokens.issue(agent_name, set(roles))))


@agent.command("revoke", help="Revoke every token of an agent.")
@click.argument("agent_name")
def agent_revoke(agent_name: str) -> None:
    revoked = on_container(lambda container: container.staff_tokens.revoke(agent_name))
    click.echo(f"{revoked} tokens revoked")


@main.group(help="The Telegram bot.")
def telegram() -> None:
    pass


@telegram.command("set-webhook", help="Register <INTAKE_PUBLIC_URL>/webhooks/telegram with the secret token.")
def telegram_set_webhook() -> None:
    settings = Settings()
    if not (settings.telegram_token and settings.telegram_webhook_secret and settings.public_url):
        raise click.UsageError("set INTAKE_TELEGRAM_TOKEN, INTAKE_TELEGRAM_WEBHOOK_SECRET and INTAKE_PUBLIC_URL first")
    url = f"{settings.public_url.rstrip('/')}/webhooks/telegram"

    async def register(container: Container) -> None:
        assert container.telegram is not None
        await container.telegram.set_webhook(url)

    on_container(register, settings)
    click.echo(f"webhook set: {url}")



@main.group(help="Staff accounts of the agent console (/console/).")
def user() -> None:
    pass


@user.command("add", help="Add a console user; the password is asked twice (or read from standard input).")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["agent", "handler", "supervisor", "custodian", "auditor", "admin"]),
              help="Repeat for several roles.")
@click.option("--department", default=None, help="Department code (for handlers).")
@click.option("--display-name", default=None, help="Name shown in the console (default: the user name).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def user_add(username: str, roles: tuple[str, ...], department: str | None, display_name: str | None,
             password_stdin: bool) -> None:
    from intake_core.ports import SystemClock
    from intake_core.staff import StaffDirectory

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)

    on_database(lambda database: StaffDirectory(database, SystemClock()).add_user(
        username, password, set(roles), department, display_name), upgrade=True)
    click.echo(f"user {username} added with roles {', '.join(sorted(set(roles)))}")


@main.group(help="Departments, and external bodies cases are transferred to.")
def department() -> None:
    pass


@department.command("add", help="Add a department (or, with --external, a body outside the organisation).")
@click.argument("code")
@click.argument("name_zh")
@click.argument("name_en")
@click.option("--external", is_flag=True, help="A competent body outside the organisation (移送 target).")
def department_add(code: str, name_zh: str, name_en: str, external: bool) -> None:
    from intake_core.departments import Departments

    on_database(lambda database: Departments(database).add(code, name_zh, name_en, external), upgrade=True)
    click.echo(f"department {code} added")


@main.group(help="Archiving and the end of the retention period.")
def retention() -> None:
    pass


@retention.command("run", help="Archive closed cases after the review window; anonymise archived cases whose "
                               "retention period (per category, at least two years) has ended.")
@click.option("--dry-run", is_flag=True, help="Only report what would be archived and removed.")
def retention_run(dry_run: bool) -> None:
    from intake_core.retention import Retention

    report = on_container(lambda container: Retention(
        container.database, container.taxonomy, container.service, container.service.clock,
        timedelta(days=container.settings.review_window_days)).run(dry_run))
    verb = "would be" if dry_run else "were"
    click.echo(f"{len(report.archived)} cases {verb} archived; {len(report.anonymised)} cases {verb} "
               f"anonymised; {report.evidence_files} evidence files ({report.evidence_bytes} bytes) {verb} "
               "removed")


@main.group(help="Reports for the public and for supervisors.")
def report() -> None:
    pass


@report.command("stats", help="Public statistics (信息公开) of the cases received in a period: counts, "
                              "timeliness, satisfaction; small cells suppressed, nothing personal.")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day (included).")
@click.option("--format", "output_format", type=click.Choice(["html", "csv", "json"]), default="html",
              show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the HTML and CSV labels.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write to this file instead of standard output.")
def report_stats(start: datetime, end: datetime, output_format: str, lang: str, output: str | None) -> None:
    from zoneinfo import ZoneInfo

    from sqlalchemy.exc import SQLAlchemyError

    from channels.stats_html import render_html
    from channels.stats_render import render_csv, render_json
    from intake_core.errors import IntakeError
    from intake_core.ports import SystemClock
    from intake_core.sla import read_calendar_settings
    from intake_core.statistics import PublicStatistics
    from intake_core.storage.database import Database
    from intake_core.taxonomy import Taxonomy

    settings = Settings()
    taxonomy = Taxonomy.from_yaml(settings.categories_file)
    timezone = ZoneInfo(read_calendar_settings(settings.sla_file).timezone)

    async def run() -> str:
        database = Database(settings.database_url)
        try:
            statistics = PublicStatistics(database, SystemClock(), settings.stats_min_cell, timezone=timezone)
            result = await statistics.report(start.date(), end.date())
        finally:
            await database.dispose()
        if output_format == "json":
            return render_json(result, taxonomy) + "\n"
        if output_format == "csv":
            return render_csv(result, taxonomy, lang)
        return render_html(result, taxonomy, lang) + "\n"

    try:
        text = asyncio.run(run())
    except IntakeError as error:
        raise click.ClickException(error.detail) from None
    except SQLAlchemyError:
        raise click.ClickException("the case database cannot be read; run `intake db upgrade` first") from None
    if output:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        click.echo(f"statistics written to {output}")
    else:
        click.echo(text, nl=False)


if __name__ == "__main__":
    main()

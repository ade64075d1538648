"""The `intake` command line."""

from __future__ import annotations

import asyncio
import sys

import click

from config.settings import Settings


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
                log_config=None, access_log=False, proxy_headers=True)


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
    from config.wiring import build_container
    from intake_core.audit_verify import verify_audit_log

    async def run() -> int:
        container = build_container(Settings())
        try:
            report = await verify_audit_log(container.database)
        finally:
            await container.close()
        for problem in report.problems:
            click.echo(f"BROKEN {problem.chain} #{problem.position}: {problem.problem}")
        click.echo(f"{report.chains} chains, {report.entries} entries: "
                   f"{'intact' if report.intact else f'{len(report.problems)} problems'}")
        return 0 if report.intact else 1

    sys.exit(asyncio.run(run()))


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
    from config.wiring import build_container

    async def run() -> str:
        container = build_container(Settings())
        try:
            return await container.staff_tokens.issue(agent_name, set(roles))
        finally:
            await container.close()

    click.echo(asyncio.run(run()))


@agent.command("revoke", help="Revoke every token of an agent.")
@click.argument("agent_name")
def agent_revoke(agent_name: str) -> None:
    from config.wiring import build_container

    async def run() -> int:
        container = build_container(Settings())
        try:
            return await container.staff_tokens.revoke(agent_name)
        finally:
            await container.close()

    click.echo(f"{asyncio.run(run())} tokens revoked")


@main.group(help="The Telegram bot.")
def telegram() -> None:
    pass


@telegram.command("set-webhook", help="Register <INTAKE_PUBLIC_URL>/webhooks/telegram with the secret token.")
def telegram_set_webhook() -> None:
    from config.wiring import build_container

    settings = Settings()
    if not (settings.telegram_token and settings.telegram_webhook_secret and settings.public_url):
        raise click.UsageError("set INTAKE_TELEGRAM_TOKEN, INTAKE_TELEGRAM_WEBHOOK_SECRET and INTAKE_PUBLIC_URL first")
    url = f"{settings.public_url.rstrip('/')}/webhooks/telegram"

    async def run() -> None:
        container = build_container(settings)
        try:
            assert container.telegram is not None
            await container.telegram.set_webhook(url)
        finally:
            await container.close()

    asyncio.run(run())
    click.echo(f"webhook set: {url}")


if __name__ == "__main__":
    main()

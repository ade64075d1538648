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


if __name__ == "__main__":
    main()

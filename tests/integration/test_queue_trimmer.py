"""The queue trimmer on SQLite and PostgreSQL: what every pool has acknowledged goes after the keep
time, and the queue goes on handing out new entries afterwards."""

from __future__ import annotations

from sqlalchemy import Table, func, select

from config.wiring import Container
from intake_core.storage.tables import handoff_entries, outbox
from tests.integration.test_agent_desk import draft, settle
from tests.support import FixedClock


async def count(container: Container, table: Table) -> int:
    async with container.database.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def test_acknowledged_entries_and_published_rows_go_after_the_keep_time(
        container: Container, clock: FixedClock) -> None:
    first = [await container.service.submit(draft(n)) for n in range(1, 4)]
    await settle(container)
    rows, entries = await count(container, outbox), await count(container, handoff_entries)
    assert rows >= 3 and entries >= 3

    await container.trimmer.run_once()
    assert (await count(container, outbox), await count(container, handoff_entries)) == (rows, entries)

    clock.advance(hours=container.settings.queue_keep_hours + 1)
    await container.trimmer.run_once()
    assert await count(container, handoff_entries) == 1  # the newest stays, so numbers are never reused
    assert await count(container, outbox) == 1

    later = await container.service.submit(draft(4))
    await settle(container)
    queued = {item.tracking_no for item in await container.desk.queue()}
    assert queued == {r.tracking_no for r in [*first, later]}

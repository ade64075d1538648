"""Walks every audit chain and reports each break: edited, inserted, reordered or removed entries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import distinct, select

from intake_core.audit import ChainProblem, verify_chain
from intake_core.storage.database import Database
from intake_core.storage.tables import audit_log


@dataclass(frozen=True, slots=True)
class AuditReport:
    chains: int
    entries: int
    problems: list[ChainProblem]

    @property
    def intact(self) -> bool:
        return not self.problems


async def verify_audit_log(database: Database) -> AuditReport:
    problems: list[ChainProblem] = []
    entries = 0
    async with database.unit_of_work() as repo:
        heads = {row.tracking_no: (row.audit_position, row.audit_head) for row in await repo.all_case_heads()}
        heads.update({row.chain: (row.position, row.hash) for row in await repo.system_chains()})
        logged = set((await repo.connection.scalars(select(distinct(audit_log.c.chain)))).all())
        for chain in sorted(logged - heads.keys()):
            problems.append(ChainProblem(chain, 0, "entries of a chain that has no head"))
        for chain, head in heads.items():
            chain_entries = await repo.audit_chain(chain)
            entries += len(chain_entries)
            problems.extend(verify_chain(chain, chain_entries, head))
    return AuditReport(len(heads), entries, problems)

"""Bearer tokens of the agent API. The token is shown once when issued; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from intake_core.ports import Clock
from intake_core.storage.database import Database

ROLES = frozenset({"agent", "supervisor"})
PREFIX = "itk_"


@dataclass(frozen=True, slots=True)
class Principal:
    agent: str
    roles: frozenset[str]

    def may(self, role: str) -> bool:
        return role in self.roles


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StaffTokens:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def issue(self, agent: str, roles: set[str]) -> str:
        unknown = roles - ROLES
        if unknown or not roles:
            raise ValueError(f"roles must be some of {sorted(ROLES)}")
        token = PREFIX + secrets.token_urlsafe(32)
        async with self.database.unit_of_work() as repo:
            await repo.desk.add_token(digest(token), agent, ",".join(sorted(roles)), self.clock.now())
        return token

    async def authenticate(self, token: str) -> Principal | None:
        if not token.startswith(PREFIX) or len(token) > 128:
            return None
        async with self.database.unit_of_work() as repo:
            row = await repo.desk.token(digest(token))
        if row is None:
            return None
        return Principal(row.agent, frozenset(row.roles.split(",")))

    async def revoke(self, agent: str) -> int:
        async with self.database.unit_of_work() as repo:
            return await repo.desk.revoke_tokens(agent, self.clock.now())

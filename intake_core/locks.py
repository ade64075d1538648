"""Per-conversation locks inside one process (the embedded default)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class InProcessLocks:
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, conversation_key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(conversation_key, asyncio.Lock())
        self._users[conversation_key] = self._users.get(conversation_key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[conversation_key] -= 1
            if not self._users[conversation_key]:  # forget idle conversations: memory stays flat
                del self._users[conversation_key]
                del self._locks[conversation_key]

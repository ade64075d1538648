"""Per-client request limits of the public HTTP endpoints (case submissions, web chat messages).

Clients are told apart by their address (behind a proxy, the one it forwards: INTAKE_TRUSTED_PROXIES),
kept only as a keyed digest, never in the clear. Limits are generous because many citizens share one
address behind carrier-grade NAT; they stop floods, not people. Over the limit the answer is 429 with
Retry-After, and nothing of the request is stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import time
from collections.abc import Awaitable, Callable

from fastapi import Request

from intake_core.errors import RateLimited
from intake_core.ports import RequestLimiter


class InProcessLimiter:
    """Fixed windows in this process's memory: the embedded default (one process). Old windows are
    dropped as time moves on, so memory stays bounded by the clients of the current window."""

    def __init__(self, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self.clock = clock
        self._index = -1
        self._counts: dict[tuple[str, str], int] = {}
        self._lock = asyncio.Lock()

    async def allow(self, scope: str, client: str, limit: int) -> float | None:
        now = self.clock()
        index = math.floor(now / self.window)
        async with self._lock:
            if index != self._index:
                self._index, self._counts = index, {}
            count = self._counts.get((scope, client), 0) + 1
            self._counts[(scope, client)] = count
        return None if count <= limit else (index + 1) * self.window - now


def client_digest(request: Request, secret: bytes) -> str:
    host = request.client.host if request.client else "unknown"
    return hmac.new(secret, host.encode(), hashlib.sha256).hexdigest()[:32]


def rate_limited(scope: str) -> Callable[[Request], Awaitable[None]]:
    """A route dependency: raises RateLimited once this client is over the limit of `scope`.
    The app provides `state.limiter`, `state.rate_limits` (scope -> requests per window; 0 = no limit)
    and `state.client_secret`."""

    async def check(request: Request) -> None:
        state = request.app.state
        limit = getattr(state, "rate_limits", {}).get(scope, 0)
        limiter: RequestLimiter | None = getattr(state, "limiter", None)
        if limit <= 0 or limiter is None:
            return
        wait = await limiter.allow(scope, client_digest(request, state.client_secret), limit)
        if wait is not None:
            raise RateLimited(wait)

    return check

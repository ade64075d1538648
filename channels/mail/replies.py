"""A per-sender limit on automatic replies to received email (a loop or flood guard)."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)


class ReplyLimiter:
    """At most `per_hour` automatic replies per sender (keyed by digest, never by address)."""

    MAX_TRACKED = 10_000

    def __init__(self, per_hour: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_hour = per_hour
        self._clock = clock
        self._sent: dict[str, deque[float]] = {}

    def allow(self, sender_digest: str) -> bool:
        now = self._clock()
        if len(self._sent) >= self.MAX_TRACKED:  # forget senders that are quiet anyway
            self._sent = {k: v for k, v in self._sent.items() if v and now - v[-1] < 3600}
        stamps = self._sent.setdefault(sender_digest, deque())
        while stamps and now - stamps[0] >= 3600:
            stamps.popleft()
        if len(stamps) >= self.per_hour:
            return False
        stamps.append(now)
        return True

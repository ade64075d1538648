"""Capped exponential backoff with jitter, for retrying an unreachable queue."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    initial: float = 0.5
    maximum: float = 30.0
    factor: float = 2.0
    jitter: float = 0.2  # +/- this fraction, so replicas do not retry in step
    _next: float = field(default=0.0, init=False, repr=False)

    def next_delay(self) -> float:
        """The delay before the next attempt; grows until `maximum`."""
        base = self._next or self.initial
        self._next = min(self.maximum, base * self.factor)
        return max(0.0, base * (1 + random.uniform(-self.jitter, self.jitter)))

    def reset(self) -> None:
        self._next = 0.0

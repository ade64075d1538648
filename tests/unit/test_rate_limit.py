"""The in-process request limiter: fixed windows per client and kind of request."""

from __future__ import annotations

from channels.rate_limit import InProcessLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def test_a_client_over_the_limit_waits_for_the_next_window() -> None:
    clock = Clock()
    limiter = InProcessLimiter(window=60.0, clock=clock)
    assert [await limiter.allow("submit", "a", 3) for _ in range(3)] == [None, None, None]
    clock.now += 10
    wait = await limiter.allow("submit", "a", 3)
    assert wait is not None and 0 < wait <= 60 - (clock.now % 60) + 1e-9
    assert await limiter.allow("submit", "b", 3) is None  # another client
    assert await limiter.allow("chat", "a", 3) is None  # another kind of request
    clock.now += wait
    assert await limiter.allow("submit", "a", 3) is None

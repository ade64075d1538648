"""Console logins on SQLite and PostgreSQL: repeated failures lock a user name for a while, known or not,
and while it is locked not even the right password opens it."""

from __future__ import annotations

import asyncio

import pytest

from config.wiring import Container
from intake_core.errors import LoginLocked
from intake_core.staff import LoginPolicy, StaffDirectory
from tests.support import FixedClock

POLICY = LoginPolicy()


@pytest.fixture
async def staff(container: Container, clock: FixedClock) -> StaffDirectory:
    directory = StaffDirectory(container.database, clock)
    await directory.add_user("ann", "correct horse", {"agent"})
    return directory


async def fail(staff: StaffDirectory, name: str, times: int) -> None:
    for _ in range(times):
        assert await staff.authenticate(name, "wrong horse") is None


async def test_a_name_locks_after_repeated_failures_and_opens_again_later(
        staff: StaffDirectory, clock: FixedClock) -> None:
    await fail(staff, "ann", POLICY.max_failures)
    with pytest.raises(LoginLocked) as locked:
        await staff.authenticate("ann", "correct horse")
    assert locked.value.until == clock.now() + POLICY.lockout
    clock.advance(seconds=POLICY.lockout.total_seconds() + 1)
    assert await staff.authenticate("ann", "correct horse") is not None
    await fail(staff, "ann", POLICY.max_failures - 1)  # the success started a new count
    assert await staff.authenticate("ann", "correct horse") is not None


async def test_failures_spread_beyond_the_window_do_not_lock(staff: StaffDirectory, clock: FixedClock) -> None:
    for _ in range(POLICY.max_failures * 2):
        await fail(staff, "ann", 1)
        clock.advance(seconds=POLICY.window.total_seconds() / (POLICY.max_failures - 1) + 1)
    assert await staff.authenticate("ann", "correct horse") is not None


async def test_unknown_and_absurd_names_lock_the_same_way(staff: StaffDirectory) -> None:
    for name in ("nobody", "名" * 10_000):
        await fail(staff, name, POLICY.max_failures)
        with pytest.raises(LoginLocked):
            await staff.authenticate(name, "wrong horse")
    assert await staff.authenticate("ann", "correct horse") is not None  # other names are not affected


async def test_concurrent_failures_are_all_counted(staff: StaffDirectory) -> None:
    await asyncio.gather(*(staff.authenticate("ann", "wrong horse") for _ in range(POLICY.max_failures)))
    with pytest.raises(LoginLocked):
        await staff.authenticate("ann", "correct horse")

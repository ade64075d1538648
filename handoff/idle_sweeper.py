"""Gives live conversations back to the bot when the agent holding them has gone silent."""

from __future__ import annotations

from handoff.worker import BackgroundWorker
from intake_core.desk import AgentDesk


class IdleTakeoverSweeper(BackgroundWorker):
    name = "idle takeover sweeper"

    def __init__(self, desk: AgentDesk, poll_interval: float = 30.0) -> None:
        super().__init__(poll_interval)
        self.desk = desk

    async def run_once(self) -> bool:
        await self.desk.resume_idle()
        return False

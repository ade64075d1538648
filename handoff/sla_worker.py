"""Runs the SLA monitor every minute beside the service."""

from __future__ import annotations

from handoff.worker import BackgroundWorker
from intake_core.sla_monitor import SlaMonitor


class SlaMonitorWorker(BackgroundWorker):
    name = "SLA monitor"

    def __init__(self, monitor: SlaMonitor, poll_interval: float = 60.0) -> None:
        super().__init__(poll_interval)
        self.monitor = monitor

    async def run_once(self) -> bool:
        await self.monitor.run_once()
        return False

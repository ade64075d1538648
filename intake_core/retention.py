"""Retention: closed cases are archived once the review window has passed; archived cases whose
retention period (per category, at least two years) has ended lose their personal data and evidence
files. The case row keeps codes, dates and statuses for the statistics, and the audit chain keeps its
hashes, so `intake audit verify` still passes."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from intake_core.case_audit import append_case_audit
from intake_core.errors import IntakeError
from intake_core.lifecycle import Status
from intake_core.ports import Clock
from intake_core.service import IntakeService
from intake_core.storage.database import Database
from intake_core.storage.retention_repository import RetentionRepository
from intake_core.taxonomy import Taxonomy

log = logging.getLogger(__name__)
ACTOR = "system:retention"


@dataclass(slots=True)
class RetentionReport:
    archived: list[str] = field(default_factory=list)
    anonymised: list[str] = field(default_factory=list)
    evidence_files: int = 0
    evidence_bytes: int = 0
    dry_run: bool = False


def add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


class Retention:
    def __init__(self, database: Database, taxonomy: Taxonomy, intake: IntakeService, clock: Clock,
                 review_window: timedelta = timedelta(days=30)) -> None:
        self.database = database
        self.taxonomy = taxonomy
        self.intake = intake
        self.clock = clock
        self.review_window = review_window  # a closed case stays open to a review request this long

    async def run(self, dry_run: bool = False) -> RetentionReport:
        """Archives and anonymises what is due; with `dry_run`, only reports what would be done."""
        now = self.clock.now()
        report = RetentionReport(dry_run=dry_run)
        async with self.database.unit_of_work() as repo:
            closed = await RetentionRepository(repo.connection).closed_before([Status.CLOSED.value],
                                                                               now - self.review_window)
        for row in closed:
            if not dry_run:
                await self.intake.transition(row.tracking_no, Status.ARCHIVED.value, actor=ACTOR,
                                             reason="review window ended; archived")
            report.archived.append(row.tracking_no)
        shortest = min((c.retention_years for c in self.taxonomy.all()), default=2)
        statuses = [Status.ARCHIVED.value, *([Status.CLOSED.value] if dry_run else [])]
        async with self.database.unit_of_work() as repo:
            candidates = await RetentionRepository(repo.connection).closed_before(
                statuses, add_years(now, -shortest))
        for row in candidates:
            if row.status == Status.CLOSED.value and row.tracking_no not in report.archived:
                continue
            if add_years(row.closed_at, self._years(row.category)) > now:
                continue
            files = await self._anonymise(row.tracking_no, now, dry_run)
            report.anonymised.append(row.tracking_no)
            report.evidence_files += len(files)
            report.evidence_bytes += sum(size for _, size in files)
        return report

    def _years(self, category: str) -> int:
        try:
            return self.taxonomy.get(category).retention_years
        except IntakeError:
            return 2

    async def _anonymise(self, tracking_no: str, now: datetime, dry_run: bool) -> list[tuple[str, int]]:
        async with self.database.unit_of_work() as repo:
            store = RetentionRepository(repo.connection)
            case = await repo.case_by_tracking_no(tracking_no, for_update=True)
            if case is None:
                return []
            files = await store.evidence_files(case.id)
            shared = await store.shared_with_other_cases(case.id, [path for path, _ in files])
            files = [(path, size) for path, size in dict.fromkeys(files) if path not in shared]
            if dry_run:
                return files
            await store.remove_personal_data(case, now)
            await append_case_audit(repo, case, ACTOR, "anonymised", None,
                                    "retention period ended: personal data and evidence removed", self.clock,
                                    **store.blanked_case_values(now))
        # After the commit: a file is never missing while the case still refers to it.
        await asyncio.to_thread(_remove_files, tracking_no, [path for path, _ in files])
        return files


def _remove_files(tracking_no: str, paths: list[str]) -> None:
    for path in paths:
        try:
            Path(path).unlink(missing_ok=True)
        except OSError as error:
            log.error("evidence file of case %s could not be removed (%s)", tracking_no, type(error).__name__)

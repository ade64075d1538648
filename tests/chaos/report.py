"""What one scenario saw: counts from the generator's log, the fault windows, and the checks' findings."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.chaos.checks import Findings

ACK_CODES = {"http:200", "http:201", "http:202", "smtp:250"}


@dataclass(slots=True)
class Fault:
    what: str
    started: float  # wall-clock: the generator's attempt times are wall-clock too
    ended: float


@dataclass(slots=True)
class Report:
    name: str
    result: dict[str, Any]  # the generator's JSON
    faults: list[Fault]
    findings: Findings
    counts: dict[str, int]
    seconds: float
    failures: list[str] = field(default_factory=list)  # expectations of the scenario that did not hold
    notes: list[str] = field(default_factory=list)  # worth knowing, not a failure (a start that hung)

    @property
    def outcomes(self) -> list[dict[str, Any]]:
        outcomes: list[dict[str, Any]] = self.result["outcomes"]
        return outcomes

    @property
    def ok(self) -> bool:
        return not self.failures and not self.findings.problems

    def codes(self, during: Fault | None = None) -> Counter[str]:
        """Answers seen (all of them, or those that came while `during` was held), by channel kind."""
        return Counter(f"{channel}:{code}" if code == "conn" else code
                       for at, channel, code in self.result["attempts"]
                       if during is None or during.started <= at <= during.ended)

    def recovery(self, fault: Fault) -> float | None:
        """Seconds from the end of the fault to the first acknowledgement after it."""
        after = [at for at, _channel, code in self.result["attempts"] if code in ACK_CODES and at >= fault.ended]
        return min(after) - fault.ended if after else None

    def text(self) -> str:
        outcomes = self.outcomes
        acked = sum(o["acked"] for o in outcomes)
        gave_up = sum(o["final"] == "gave up" for o in outcomes)
        retried = [o for o in outcomes if o["attempts"] > 1]
        per_channel = Counter(o["channel"] for o in outcomes if o["acked"])
        lines = [f"== {self.name}: {'PASS' if self.ok else 'FAIL'} in {self.seconds:.0f} s",
                 f"  messages sent {len(outcomes)}, acknowledged {acked} ({dict(sorted(per_channel.items()))}), "
                 f"refused for good {len(outcomes) - acked - gave_up}, never answered {gave_up}",
                 f"  retried {len(retried)} messages, {sum(o['attempts'] - 1 for o in retried)} extra attempts; "
                 f"load ran {self.result['finished'] - self.result['started']:.1f} s",
                 f"  all answers: {dict(sorted(self.codes().items()))}"]
        for fault in self.faults:
            recovery = self.recovery(fault)
            lines.append(f"  {fault.what}: held {fault.ended - fault.started:.1f} s, answers meanwhile "
                         f"{dict(sorted(self.codes(fault).items()))}, first acknowledgement "
                         + (f"{recovery:.2f} s after" if recovery is not None else "never"))
        lines.append(f"  stored: {self.counts}")
        lines.append(f"  lost / doubled:{self.findings.summary()}")
        lines += [f"  NOTE: {note}" for note in self.notes]
        lines += [f"  FAILED: {failure}" for failure in self.failures]
        return "\n".join(lines)

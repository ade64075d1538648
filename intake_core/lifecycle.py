"""The case lifecycle: which status may follow which."""

from __future__ import annotations

from enum import StrEnum

from intake_core.errors import TransitionNotAllowed


class Status(StrEnum):
    RECEIVED = "received"
    REGISTERED = "registered"
    ASSIGNED = "assigned"
    INVESTIGATING = "investigating"
    DECIDED = "decided"
    ANSWERED = "answered"
    CLOSED = "closed"
    ARCHIVED = "archived"
    OUT_OF_SCOPE = "out_of_scope"
    REFERRED = "referred"
    REVIEW_REQUESTED = "review_requested"
    UNDER_REVIEW = "under_review"


ALLOWED: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.REGISTERED, Status.OUT_OF_SCOPE}),
    Status.REGISTERED: frozenset({Status.ASSIGNED, Status.OUT_OF_SCOPE}),
    Status.ASSIGNED: frozenset({Status.INVESTIGATING, Status.ASSIGNED, Status.OUT_OF_SCOPE}),
    Status.INVESTIGATING: frozenset({Status.DECIDED}),
    Status.DECIDED: frozenset({Status.ANSWERED}),
    Status.ANSWERED: frozenset({Status.CLOSED, Status.REVIEW_REQUESTED}),
    Status.CLOSED: frozenset({Status.ARCHIVED, Status.REVIEW_REQUESTED}),
    Status.ARCHIVED: frozenset(),
    Status.OUT_OF_SCOPE: frozenset({Status.REFERRED}),
    Status.REFERRED: frozenset({Status.CLOSED}),
    Status.REVIEW_REQUESTED: frozenset({Status.UNDER_REVIEW}),
    Status.UNDER_REVIEW: frozenset({Status.ANSWERED}),
}

# Statuses a citizen sees as "still being handled".
OPEN = frozenset(set(Status) - {Status.CLOSED, Status.ARCHIVED, Status.REFERRED})


def check_transition(current: str, target: str, reason: str | None) -> Status:
    """Validate a move and return the target status; every move needs a stated reason."""
    try:
        source, goal = Status(current), Status(target)
    except ValueError:
        raise TransitionNotAllowed(f"unknown status '{target}'", field="status") from None
    if goal not in ALLOWED[source]:
        raise TransitionNotAllowed(f"a case cannot move from {source} to {goal}", field="status")
    if not reason or not reason.strip():
        raise TransitionNotAllowed("a status change needs a reason", field="reason")
    return goal

"""Staff roles and the refusal raised when a member of staff lacks the role an action needs."""

from __future__ import annotations

from collections.abc import Iterable

from intake_core.errors import IntakeError

AGENT, HANDLER, SUPERVISOR, CUSTODIAN, AUDITOR, ADMIN = (
    "agent", "handler", "supervisor", "custodian", "auditor", "admin")
ROLES = frozenset({AGENT, HANDLER, SUPERVISOR, CUSTODIAN, AUDITOR, ADMIN})
DESK = frozenset({AGENT, SUPERVISOR})  # a supervisor may do everything an agent may


class PermissionDenied(IntakeError):
    """The member of staff lacks the role (or the department) the action needs."""

    code = "permission_denied"


def require(roles: Iterable[str], *allowed: str) -> None:
    """Raises PermissionDenied unless `roles` holds one of `allowed`."""
    if not set(roles) & set(allowed):
        raise PermissionDenied(f"this needs one of the roles: {', '.join(sorted(allowed))}", field="role")

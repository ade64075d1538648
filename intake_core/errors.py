"""Domain errors. Each names the field at fault and never carries personal data."""

from __future__ import annotations

from datetime import datetime


class IntakeError(Exception):
    """Base of every error the core raises on purpose."""

    code = "intake_error"

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class ValidationFailed(IntakeError):
    code = "validation_failed"


class UnknownCategory(ValidationFailed):
    code = "unknown_category"


class CaseNotFound(IntakeError):
    code = "case_not_found"


class ReceiptRejected(IntakeError):
    code = "receipt_rejected"


class ReceiptRequired(ReceiptRejected):
    code = "receipt_required"


class ReceiptLocked(IntakeError):
    code = "receipt_locked"


class LoginLocked(IntakeError):
    """Too many failed logins for this user name: no password is checked until `until`."""

    code = "login_locked"

    def __init__(self, until: datetime) -> None:
        super().__init__("too many failed logins; try again later", field="username")
        self.until = until


class RateLimited(IntakeError):
    """This client sent more requests of this kind than the limit allows; it may try again later."""

    code = "rate_limited"

    def __init__(self, retry_after: float) -> None:
        super().__init__("too many requests from this client; try again later")
        self.retry_after = retry_after


class TransitionNotAllowed(IntakeError):
    code = "transition_not_allowed"


class StorageUnavailable(IntakeError):
    """The database cannot be reached; callers answer 503 / 451 and the sender retries."""

    code = "storage_unavailable"


class WorkItemNotFound(IntakeError):
    code = "work_item_not_found"


class WorkItemUnavailable(IntakeError):
    """Another agent holds the item, or it is finished."""

    code = "work_item_unavailable"


class ReviewNotAllowed(IntakeError):
    """A review (复核) is asked outside its window, or of a case that has no answer yet."""

    code = "review_not_allowed"


class ReviewerConflict(IntakeError):
    """The proposed reviewer handled the case before: a review needs someone else."""

    code = "reviewer_conflict"

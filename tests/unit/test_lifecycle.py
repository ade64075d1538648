from __future__ import annotations

import pytest

from intake_core.errors import TransitionNotAllowed
from intake_core.lifecycle import ALLOWED, Status, check_transition

HAPPY_PATH = ["received", "registered", "assigned", "investigating", "decided", "answered", "closed", "archived"]


def test_the_whole_path_of_a_case_is_allowed() -> None:
    for current, following in zip(HAPPY_PATH, HAPPY_PATH[1:], strict=False):
        assert check_transition(current, following, "next step") == Status(following)


@pytest.mark.parametrize(("current", "target"), [
    ("out_of_scope", "referred"), ("referred", "closed"), ("answered", "review_requested"),
    ("closed", "review_requested"), ("review_requested", "under_review"), ("under_review", "answered"),
])
def test_referral_and_review_branches(current: str, target: str) -> None:
    assert check_transition(current, target, "reason") == Status(target)


@pytest.mark.parametrize(("current", "target"), [
    ("registered", "closed"), ("received", "answered"), ("archived", "registered"),
    ("closed", "investigating"), ("investigating", "answered"), ("referred", "registered"),
])
def test_skipping_or_reopening_is_refused(current: str, target: str) -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        check_transition(current, target, "because")
    assert refused.value.field == "status"


def test_a_move_needs_a_reason() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        check_transition("registered", "assigned", "  ")
    assert refused.value.field == "reason"


def test_unknown_status_is_refused() -> None:
    with pytest.raises(TransitionNotAllowed):
        check_transition("registered", "teleported", "why not")


def test_archived_is_final_and_every_status_is_reachable() -> None:
    assert ALLOWED[Status.ARCHIVED] == frozenset()
    reachable = {Status.RECEIVED} | {t for targets in ALLOWED.values() for t in targets}
    assert reachable == set(Status)

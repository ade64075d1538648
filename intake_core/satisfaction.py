"""Satisfaction after closing: the citizen is asked for a 1-5 rating on their channel, and the next
message of that conversation that starts with a score is the answer ("5 很满意", "4分", "3 - ok")."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from intake_core.case_audit import append_case_audit
from intake_core.ports import Clock
from intake_core.storage.repository import Repository
from intake_core.storage.tables import ratings

AWAITING_RATING = "_awaiting_rating"  # conversation state: the tracking number whose rating is asked
_RATING = re.compile(r"^\s*([1-5])(?!\d|\.\d)\s*(?:分|星|stars?|/\s*5)?\s*[,，.。:：、\-—]*\s*(.*)$",
                     re.IGNORECASE | re.DOTALL)


def parse_rating(text: str) -> tuple[int, str | None] | None:
    """(score, comment) when the text starts with a score of 1-5 (full-width digits too)."""
    normalized = unicodedata.normalize("NFKC", text)
    match = _RATING.match(normalized)
    if match is None:
        return None
    # The comment as written (full-width punctuation kept) when normalizing did not shift positions.
    comment = (text[match.start(2):] if len(normalized) == len(text) else match.group(2)).strip()
    return int(match.group(1)), comment[:2000] or None


async def record_rating(repo: Repository, case: Any, score: int, comment: str | None, clock: Clock) -> bool:
    """The first rating of a case counts; True when this one was stored."""
    stored = await repo.desk.add_once(ratings, {"case_id": case.id, "score": score, "comment": comment,
                                               "rated_at": clock.now()}, ["case_id"])
    if stored:
        await append_case_audit(repo, case, "citizen", "rated", None, f"satisfaction {score}/5", clock)
    return stored


def mark_awaiting(state: dict[str, Any], tracking_no: str) -> dict[str, Any]:
    return {**state, AWAITING_RATING: tracking_no}

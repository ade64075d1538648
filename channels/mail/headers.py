"""Header values built from citizen text, reply subjects, and tracking numbers in subjects."""

from __future__ import annotations

import re
import unicodedata

from intake_core.codes import normalize_tracking_no

# Bidi overrides and isolates can disguise a subject in a mail client; line/paragraph separators fold headers.
_INVISIBLE = re.compile(r"[\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|antw)(?:\[\d+\]|\(\d+\))?|回复|回覆|答复)\s*[:：]\s*", re.IGNORECASE)
# After NFKC: "TS", separators, 8 digits, separators, 6 symbols; the codes module checks the rest.
_TRACKING_CANDIDATE = re.compile(r"(?<![A-Z0-9])TS[\s\-_—–·.]*\d{8}[\s\-_—–·.]*[A-Z0-9]{6}(?![A-Z0-9])")


def sanitize_header_value(text: str, max_len: int = 200) -> str:
    """One safe header line: no CR/LF or other control characters, single spaces, at most max_len."""
    cleaned = _INVISIBLE.sub(" ", text)
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in cleaned)
    return " ".join(cleaned.split())[:max_len].rstrip()


def find_tracking_no(subject: str) -> str | None:
    """The first valid tracking number in a subject, in canonical form."""
    folded = unicodedata.normalize("NFKC", subject).upper()
    for match in _TRACKING_CANDIDATE.finditer(folded):
        found = normalize_tracking_no(match.group(0))
        if found:
            return found
    return None


def reply_subject(original: str, tracking_no: str | None, max_len: int = 200) -> str:
    """ "Re: <subject> [TS-...]" with one Re: and one tracking tag however long the thread is."""
    base = sanitize_header_value(original, max_len=1000)
    while True:
        stripped = _REPLY_PREFIX.sub("", base, count=1)
        if stripped == base:
            break
        base = stripped
    tag = ""
    if tracking_no:
        canonical = normalize_tracking_no(tracking_no) or sanitize_header_value(tracking_no, 40)
        if find_tracking_no(base) != canonical:
            tag = f" [{canonical}]"
    room = max_len - len("Re: ") - len(tag)
    return sanitize_header_value(f"Re: {base[:room].rstrip()}{tag}", max_len)

"""Tracking numbers and receipt codes.

Standard library only and Python 3.10 compatible: the Rasa action server
imports this module to validate what citizens type.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import date

# Dictation-friendly: no 0/O, 1/I/L. 31 symbols, a prime, so a weighted
# mod-31 check character catches every single substitution and transposition.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RANDOM_LENGTH = 5
TRACKING_PREFIX = "TS"
RECEIPT_LENGTH = 16
_LETTERS = ALPHABET[8:]

_TRACKING_RE = re.compile(
    rf"^{TRACKING_PREFIX}-(\d{{8}})-([{ALPHABET}]{{{RANDOM_LENGTH + 1}}})$"
)
_SEPARATORS = re.compile(r"[\s\-_—–－·.]+")


def check_character(body: str) -> str:
    """Check symbol over the date digits and random symbols of a tracking number.

    Every symbol has its own value (digits 0-9, letters from 10), so no two symbols that can stand at
    the same place weigh the same: with the prime modulus 31 and at most 13 positions, any single
    substitution and any adjacent transposition changes the check symbol."""
    total = 0
    for position, char in enumerate(body, start=1):
        value = int(char) if char.isdigit() else 10 + _LETTERS.index(char)
        total += position * value
    return ALPHABET[total % len(ALPHABET)]


def new_tracking_no(on: date) -> str:
    stamp = on.strftime("%Y%m%d")
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"{TRACKING_PREFIX}-{stamp}-{random_part}{check_character(stamp + random_part)}"


def normalize_tracking_no(text: str) -> str | None:
    """Canonical form of a typed tracking number, or None when it is not one.

    Tolerates full-width characters, lower case, spaces and other separators.
    """
    folded = unicodedata.normalize("NFKC", text).upper()
    compact = _SEPARATORS.sub("", folded)
    if not compact.startswith(TRACKING_PREFIX):
        return None
    rest = compact[len(TRACKING_PREFIX):]
    if len(rest) != 8 + RANDOM_LENGTH + 1:
        return None
    candidate = f"{TRACKING_PREFIX}-{rest[:8]}-{rest[8:]}"
    return candidate if is_valid_tracking_no(candidate) else None


def is_valid_tracking_no(value: str) -> bool:
    match = _TRACKING_RE.match(value)
    if not match:
        return False
    stamp, tail = match.groups()
    return check_character(stamp + tail[:-1]) == tail[-1]


def new_receipt_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(RECEIPT_LENGTH))


def normalize_receipt(text: str) -> str | None:
    folded = unicodedata.normalize("NFKC", text)
    digits = _SEPARATORS.sub("", folded)
    if len(digits) == RECEIPT_LENGTH and digits.isdigit() and digits.isascii():
        return digits
    return None


def format_receipt(code: str) -> str:
    """Groups of four, easier to copy and to read out."""
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def receipt_digest(code: str, secret: bytes) -> str:
    """What is stored instead of the receipt: HMAC-SHA-256 under the server secret."""
    return hmac.new(secret, code.encode("ascii"), hashlib.sha256).hexdigest()


def receipt_matches(code: str, stored_digest: str, secret: bytes) -> bool:
    return hmac.compare_digest(receipt_digest(code, secret), stored_digest)

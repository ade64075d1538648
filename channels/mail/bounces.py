"""Failure reports (RFC 3464 delivery status notifications) about our own replies.

A bounce comes back to the mailbox from a null sender. When it says that delivery failed for good,
the replies it names by Message-ID count as undeliverable: the case records it and the message waits
for the citizen's next status query. Our Message-IDs carry the outbound message reference and the
thread token (sender.reply_idstring); the token must match the message's own, so a forged report
cannot name just any message.
"""

from __future__ import annotations

import re
from email.message import Message

_OUR_REPLY = re.compile(rb"<[^<>\s@]{0,200}\.r(\d{1,18})\.t([0-9a-f]{16})@([A-Za-z0-9.-]{1,255})>")
MAX_NAMED = 20  # a report lists a handful of messages; a long list is not a report we act on in full
REASON = "the citizen's mail server returned it"


def reports_failure(msg: Message) -> bool:
    """A delivery status notification that says delivery failed for good to some recipient."""
    if msg.get_content_type() != "multipart/report":
        return False
    report_type = msg.get_param("report-type")
    if not isinstance(report_type, str) or report_type.lower() != "delivery-status":
        return False
    for part in msg.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else []:
            if isinstance(block, Message) and str(block.get("action", "")).strip().lower() == "failed":
                return True
    return False


def replies_named(raw: bytes, domain: str) -> dict[int, str]:
    """Outbound message reference -> thread token, of our replies that the report quotes."""
    named: dict[int, str] = {}
    for match in _OUR_REPLY.finditer(raw):
        if match.group(3).decode("ascii").lower() == domain.lower():
            named.setdefault(int(match.group(1)), match.group(2).decode("ascii"))
        if len(named) >= MAX_NAMED:
            break
    return named

"""Limits on the header section, checked before parsing: the standard library's header parser takes
time quadratic in the length of one structured header, so a small message with a 60,000-character
Content-Type would hold a parser for minutes. RFC 5322 caps lines at 998 characters; we also cap one
(unfolded) header and the whole section."""

from __future__ import annotations

import re

from channels.mail.errors import MailRejected

MAX_LINE = 998
MAX_HEADER = 8 * 1024
MAX_SECTION = 256 * 1024
_END_OF_HEADERS = re.compile(rb"\r?\n\r?\n")


def check_header_section(raw: bytes) -> None:
    """Raises MailRejected(554) when the top-level header section breaks the limits."""
    end = _END_OF_HEADERS.search(raw)
    section = raw[: end.start()] if end else raw[:MAX_SECTION + 1]
    if len(section) > MAX_SECTION:
        raise MailRejected(554, "header section too long")
    current = 0
    for line in section.splitlines():
        if len(line) > MAX_LINE:
            raise MailRejected(554, "header line too long")
        current = current + len(line) if line[:1] in (b" ", b"\t") else len(line)
        if current > MAX_HEADER:
            raise MailRejected(554, "header field too long")

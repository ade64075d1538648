"""The one error of the mail intake: a message refused at SMTP time."""

from __future__ import annotations


class MailRejected(Exception):
    """The message is refused at SMTP time; code is the SMTP reply code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason

"""The numbered choices of the last SMS reply, kept in a cookie Twilio holds for us.

Twilio keeps one cookie per From/To pair for up to four hours and sends it with the next webhook, so a
citizen's "2" can be resolved to the second button without a table and on any replica. Twilio does not
sign cookies, so ours carries its own HMAC (keyed with the auth token); it holds button payloads only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unicodedata
from collections.abc import Sequence

from intake_core.messages import Reply

COOKIE = "intake_choices"
MAX_AGE_SECONDS = 4 * 3600


class ChoiceCookie:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(b"twilio-choices\x00" + secret.encode()).digest()

    def encode(self, replies: Sequence[Reply]) -> str | None:
        """The cookie value for the last reply that has buttons; None when no reply offers a choice."""
        buttons = next((reply.buttons for reply in reversed(replies) if reply.buttons), ())
        if not buttons:
            return None
        body = base64.urlsafe_b64encode(json.dumps([b.payload for b in buttons]).encode()).decode()
        return f"{body}.{self._sign(body)}"

    def resolve(self, cookie: str | None, text: str) -> str | None:
        """The payload a bare digit answer stands for; None when the text is not such an answer."""
        digit = unicodedata.normalize("NFKC", text).strip()
        if not cookie or not digit.isdigit() or len(digit) > 2:
            return None
        body, _, signature = cookie.partition(".")
        if not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            payloads = json.loads(base64.urlsafe_b64decode(body.encode()))
        except ValueError:
            return None
        index = int(digit) - 1
        if not isinstance(payloads, list) or not 0 <= index < len(payloads):
            return None
        payload = payloads[index]
        return payload if isinstance(payload, str) else None

    def _sign(self, body: str) -> str:
        return hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()[:32]

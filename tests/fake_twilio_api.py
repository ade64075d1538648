"""A fake Twilio REST API (and media host) on loopback, and a signer of webhook requests.

The SDK's real client talks to it through its configurable base URL, so request building, basic auth,
response parsing and TwilioRestException all run for real; only the far end is fake. Webhook requests
are signed with the SDK's own RequestValidator, exactly as Twilio signs them."""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FROM_NUMBER = "+8610690000000"
PUBLIC_URL = "https://intake.example.cn"


@dataclass(frozen=True)
class SentSms:
    to: str
    from_: str
    body: str


class FakeTwilioApi:
    """Start with `async with FakeTwilioApi() as api:`; point the channel at `api.base_url`."""

    def __init__(self) -> None:
        self.sent: list[SentSms] = []
        self.refusals: dict[str, tuple[int, int, str]] = {}  # number -> (HTTP status, Twilio code, message)
        self.failures: list[int] = []  # statuses of the next requests, before any succeeds
        self.media: dict[str, tuple[str, bytes]] = {}
        self.media_requests: list[str | None] = []  # the Authorization header of each media download
        self._sids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def __aenter__(self) -> FakeTwilioApi:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._create_message)
        app.router.add_get("/media/{name}", self._media)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def add_media(self, name: str, media_type: str, content: bytes) -> str:
        self.media[name] = (media_type, content)
        return f"{self.base_url}/media/{name}"

    def texts_to(self, number: str) -> list[str]:
        return [sms.body for sms in self.sent if sms.to == number]

    async def _create_message(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected or request.match_info["account"] != ACCOUNT_SID:
            return _error(401, 20003, "Authenticate")
        if self.failures:
            status = self.failures.pop(0)
            return _error(status, 20429 if status == 429 else 20500, "Service unavailable")
        form = await request.post()
        to, from_, body = str(form["To"]), str(form["From"]), str(form["Body"])
        if to in self.refusals:
            status, code, message = self.refusals[to]
            return _error(status, code, message)
        self.sent.append(SentSms(to, from_, body))
        sid = f"SM{next(self._sids):032d}"
        return web.json_response({"sid": sid, "account_sid": ACCOUNT_SID, "to": to, "from": from_, "body": body,
                                  "status": "queued", "num_segments": "1", "direction": "outbound-api",
                                  "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json"}, status=201)

    async def _media(self, request: web.Request) -> web.Response:
        self.media_requests.append(request.headers.get("Authorization"))
        item = self.media.get(request.match_info["name"])
        if item is None:
            return web.Response(status=404)
        return web.Response(body=item[1], content_type=item[0])


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message, "status": status,
                              "more_info": f"https://www.twilio.com/docs/errors/{code}"}, status=status)


class Signer:
    """Builds webhook requests as Twilio sends them: a form body and X-Twilio-Signature over
    the public URL and the parameters."""

    def __init__(self, token: str = AUTH_TOKEN, public_url: str = PUBLIC_URL) -> None:
        self.validator = RequestValidator(token)
        self.public_url = public_url

    def headers(self, url: str, params: dict[str, str]) -> dict[str, str]:
        return {"X-Twilio-Signature": self.validator.compute_signature(url, params),
                "Content-Type": "application/x-www-form-urlencoded"}

    def request(self, url: str, params: dict[str, str]) -> dict[str, Any]:
        """Keyword arguments for httpx's `client.post`: path with query, body and headers."""
        assert url.startswith(self.public_url), url
        return {"url": url[len(self.public_url):], "content": urlencode(params),
                "headers": self.headers(url, params)}

"""MMS media fetched from the URLs Twilio gives, capped in size, into the evidence store.

Twilio may require HTTP basic auth on media ("enforce HTTP auth on media URLs"); the account's
credentials go only to Twilio's own API host (or the configured stand-in), never to a redirect target
elsewhere (httpx drops the Authorization header when a redirect leaves the origin)."""

from __future__ import annotations

import logging
import mimetypes
from urllib.parse import urlsplit

import httpx

from intake_core.errors import ValidationFailed
from intake_core.evidence_store import FileEvidenceStore
from intake_core.model import EvidenceItem

log = logging.getLogger(__name__)

MAX_MEDIA = 10  # Twilio sends at most ten media items with one message


class MediaRefused(Exception):
    """The item could not be taken: too large, refused by the server, or unreachable."""


class MediaFetcher:
    def __init__(self, store: FileEvidenceStore, account_sid: str, auth_token: str, api_base: str | None,
                 timeout: float = 30.0) -> None:
        self.store = store
        self.auth = (account_sid, auth_token)
        self.trusted_hosts = {"api.twilio.com"} | ({urlsplit(api_base).netloc} if api_base else set())
        self.http = httpx.AsyncClient(timeout=timeout, follow_redirects=True, max_redirects=3)

    async def fetch(self, url: str, media_type: str, name: str) -> EvidenceItem:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http"):
            raise MediaRefused("not an http(s) media URL")
        auth = self.auth if parts.netloc in self.trusted_hosts else None
        limit = self.store.max_bytes
        content = bytearray()
        try:
            async with self.http.stream("GET", url, auth=auth) as response:
                if response.status_code != 200:
                    raise MediaRefused(f"media server answered {response.status_code}")
                declared = response.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > limit:
                    raise MediaRefused("media larger than the evidence limit")
                async for chunk in response.aiter_bytes():
                    content += chunk
                    if len(content) > limit:
                        raise MediaRefused("media larger than the evidence limit")
                media_type = response.headers.get("content-type", media_type).split(";")[0] or media_type
        except httpx.HTTPError as error:
            raise MediaRefused(f"media download failed ({type(error).__name__})") from error
        extension = mimetypes.guess_extension(media_type) or ""
        try:
            return await self.store.store(f"{name}{extension}", media_type, bytes(content))
        except ValidationFailed as error:
            raise MediaRefused("media refused by the evidence store") from error

    async def close(self) -> None:
        await self.http.aclose()

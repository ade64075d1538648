"""Files a citizen sends (photos, documents, voice notes, videos, audio) fetched into the evidence store."""

from __future__ import annotations

import io
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import ClientDecodeError, TelegramAPIError, TelegramBadRequest, TelegramNetworkError
from aiogram.types import Message
from aiohttp import ClientError, ClientResponseError

from intake_core.evidence_store import FileEvidenceStore
from intake_core.model import EvidenceItem

BOT_API_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses larger files unless a local Bot API server runs


@dataclass(frozen=True, slots=True)
class MediaRef:
    kind: str
    file_id: str
    size: int | None
    name: str
    media_type: str


class FileTooLarge(Exception):
    """Above the evidence store's cap: refused before (or while) downloading."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"file larger than {limit} bytes")
        self.limit = limit


class FileUnreadable(Exception):
    """Telegram will not hand the file out (expired id, over the Bot API's own download limit)."""


class EvidenceUnavailable(Exception):
    """Telegram could not be reached to fetch the file; the update should be delivered again later."""


def media_of(message: Message) -> MediaRef | None:
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        return MediaRef("photo", largest.file_id, largest.file_size, f"photo-{largest.file_unique_id}.jpg",
                        "image/jpeg")
    if message.document:
        d = message.document
        return MediaRef("document", d.file_id, d.file_size, d.file_name or f"document-{d.file_unique_id}",
                        d.mime_type or "application/octet-stream")
    if message.voice:
        v = message.voice
        return MediaRef("voice", v.file_id, v.file_size, f"voice-{v.file_unique_id}.ogg", v.mime_type or "audio/ogg")
    if message.video:
        f = message.video
        return MediaRef("video", f.file_id, f.file_size, f.file_name or f"video-{f.file_unique_id}.mp4",
                        f.mime_type or "video/mp4")
    if message.video_note:
        n = message.video_note
        return MediaRef("video_note", n.file_id, n.file_size, f"video-note-{n.file_unique_id}.mp4", "video/mp4")
    if message.audio:
        a = message.audio
        return MediaRef("audio", a.file_id, a.file_size, a.file_name or f"audio-{a.file_unique_id}.mp3",
                        a.mime_type or "audio/mpeg")
    return None


class _CappedBuffer(io.BytesIO):
    """Stops a download that turns out larger than announced."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.tell() + len(data) > self.limit:
            raise FileTooLarge(self.limit)
        return super().write(data)


class EvidenceFetcher:
    def __init__(self, bot: Bot, store: FileEvidenceStore, download_timeout: int = 60) -> None:
        self.bot = bot
        self.store = store
        self.download_timeout = download_timeout

    @property
    def limit(self) -> int:
        return self.store.max_bytes

    async def fetch(self, media: MediaRef) -> EvidenceItem:
        if media.size is not None and media.size > self.limit:  # refuse before spending the bandwidth
            raise FileTooLarge(self.limit)
        try:
            file = await self.bot.get_file(media.file_id)
            if file.file_size is not None and file.file_size > self.limit:
                raise FileTooLarge(self.limit)
            if not file.file_path:
                raise FileUnreadable("telegram gave no file path")
            buffer = _CappedBuffer(self.limit)
            await self.bot.download_file(file.file_path, destination=buffer, timeout=self.download_timeout)
        except TelegramBadRequest as error:
            if "too big" in error.message.lower():  # over what the Bot API lets bots download (20 MB)
                raise FileTooLarge(min(self.limit, BOT_API_DOWNLOAD_LIMIT)) from error
            raise FileUnreadable("telegram refused the file") from error
        except ClientResponseError as error:
            if 400 <= error.status < 500:
                raise FileUnreadable("telegram refused the download") from error
            raise EvidenceUnavailable("telegram file download failed") from error
        except (TelegramNetworkError, ClientDecodeError, TelegramAPIError, ClientError, OSError) as error:
            raise EvidenceUnavailable("telegram file download failed") from error
        return await self.store.store(media.name, media.media_type, buffer.getvalue())

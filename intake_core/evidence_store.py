"""Evidence files, stored once per content (named by SHA-256) with owner-only permissions."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from pathlib import Path

from intake_core.errors import ValidationFailed
from intake_core.model import EvidenceItem

_UNSAFE_NAME = re.compile(r"[^\w.\-\u4e00-\u9fff ]+")


class FileEvidenceStore:
    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes

    async def store(self, name: str, media_type: str, content: bytes) -> EvidenceItem:
        if len(content) > self.max_bytes:
            raise ValidationFailed(f"evidence larger than {self.max_bytes} bytes", field="evidence")
        digest = hashlib.sha256(content).hexdigest()
        path = self.directory / digest[:2] / digest
        await asyncio.to_thread(self._write_once, path, content)
        return EvidenceItem(name=safe_file_name(name), media_type=media_type[:128] or "application/octet-stream",
                            size=len(content), sha256=digest, stored_path=str(path))

    @staticmethod
    def _write_once(path: Path, content: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())  # durable before anyone is told it was received
        os.replace(temporary, path)


def safe_file_name(name: str) -> str:
    """A display name without path parts or control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE_NAME.sub("_", base).strip(" .")
    return (cleaned or "evidence")[:200]

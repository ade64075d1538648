"""Reporter identity sealed at rest: anyone with the public key can seal, only the custodian's
private key can open."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from nacl.public import PrivateKey, PublicKey, SealedBox

from intake_core.model import ReporterIdentity


class IdentitySealer:
    def __init__(self, public_key: bytes) -> None:
        self._box = SealedBox(PublicKey(public_key))

    def seal(self, identity: ReporterIdentity, contact_route: str | None = None) -> bytes:
        payload = {"identity": identity.as_dict(), "route": contact_route}
        return bytes(self._box.encrypt(json.dumps(payload, ensure_ascii=False).encode("utf-8")))


@dataclass(frozen=True, slots=True)
class SealedContents:
    identity: ReporterIdentity
    contact_route: str | None


class IdentityOpener:
    def __init__(self, private_key: bytes) -> None:
        self._box = SealedBox(PrivateKey(private_key))

    def open(self, sealed: bytes) -> SealedContents:
        payload = json.loads(self._box.decrypt(sealed).decode("utf-8"))
        return SealedContents(ReporterIdentity(**payload["identity"]), payload.get("route"))


@dataclass(frozen=True, slots=True)
class KeyMaterial:
    identity_public: bytes
    identity_private: bytes | None
    receipt_secret: bytes


def load_or_create_keys(directory: Path) -> KeyMaterial:
    """Keys under `directory`; created on first run with owner-only permissions.

    The private key may be absent on intake-only hosts (then identities can be sealed, not opened).
    """
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / "identity.key"
    public_path = directory / "identity.pub"
    secret_path = directory / "receipt.secret"
    if not public_path.exists():
        private = PrivateKey.generate()
        _write_private(private_path, bytes(private))
        public_path.write_bytes(bytes(private.public_key))
    if not secret_path.exists():
        _write_private(secret_path, secrets.token_bytes(32))
    return KeyMaterial(
        identity_public=public_path.read_bytes(),
        identity_private=private_path.read_bytes() if private_path.exists() else None,
        receipt_secret=secret_path.read_bytes(),
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)

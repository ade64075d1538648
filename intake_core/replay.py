"""What an idempotent replay answers with. The receipt is kept encrypted with a key derived
from the server secret, so a client whose first response was lost still receives it; the
clear receipt is never stored."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any

from nacl.secret import SecretBox

from intake_core.views import Registration


class ReplayBox:
    def __init__(self, server_secret: bytes) -> None:
        key = hashlib.blake2b(server_secret, digest_size=32, person=b"intake-replay").digest()
        self._box = SecretBox(key)

    def pack(self, registration: Registration) -> dict[str, Any]:
        receipt = None
        if registration.receipt:
            receipt = base64.b64encode(bytes(self._box.encrypt(registration.receipt.encode()))).decode()
        return {
            "tracking_no": registration.tracking_no, "status": registration.status,
            "priority": registration.priority, "jurisdiction": registration.jurisdiction,
            "answer_by": registration.answer_by.isoformat(),
            "acknowledge_by": registration.acknowledge_by.isoformat(),
            "receipt_sealed": receipt, "referral": registration.referral,
            "cluster_size": registration.cluster_size,
        }

    def unpack(self, data: dict[str, Any]) -> Registration:
        receipt = None
        if data.get("receipt_sealed"):
            receipt = self._box.decrypt(base64.b64decode(data["receipt_sealed"])).decode()
        return Registration(
            tracking_no=data["tracking_no"], status=data["status"], priority=data["priority"],
            jurisdiction=data["jurisdiction"], answer_by=datetime.fromisoformat(data["answer_by"]),
            acknowledge_by=datetime.fromisoformat(data["acknowledge_by"]), receipt=receipt,
            referral=data.get("referral"), cluster_size=data["cluster_size"], replayed=True)

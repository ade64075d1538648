"""Standard-library MIME intake: raw message bytes -> ParsedMail, pure and bounded.

Reasons in MailRejected and auto_reason are fixed phrases: they end up in SMTP
replies and logs, so they never carry addresses or message content.
"""

from __future__ import annotations

import email.errors
import email.policy
import mimetypes
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from email.utils import collapse_rfc2231_value

from inscriptis import get_text
from inscriptis.model.config import ParserConfig

from channels.mail.bounces import reports_failure
from channels.mail.errors import MailRejected
from channels.mail.header_limits import check_header_section
from channels.mail.textparts import CONTROL_CHARS, decode_header_words, decode_text, has_surrogates, scrub, tidy, unflow

MAILBOX_SYSTEM_USERS = frozenset({"mailer-daemon", "postmaster"})
_MSG_ID = re.compile(r"<[^<>\s]+>")
_POLICY = email.policy.default
_SIGNATURES = frozenset({"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"})
# What the stdlib header and parameter parsers raise on hostile input.
_HEADER_ERRORS = (ValueError, LookupError, TypeError, IndexError, AttributeError, email.errors.MessageError)
_FORWARD_POLICY = email.policy.default.clone(refold_source="none", linesep="\r\n")


@dataclass(frozen=True, slots=True)
class MimeLimits:
    max_depth: int = 10
    max_parts: int = 100
    max_decoded_bytes: int = 25 * 1024 * 1024
    max_text_chars: int = 50_000


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    media_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True, slots=True)
class ParsedMail:
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    sender_address: str | None
    date: datetime | None
    text: str
    attachments: tuple[Attachment, ...] = ()
    auto_generated: bool = False
    auto_reason: str | None = None
    text_clipped: bool = False
    failed_delivery: bool = False  # a delivery status notification saying some delivery failed for good


@dataclass(slots=True)
class _Walk:
    limits: MimeLimits
    parts: int = 0
    decoded: int = 0
    forwarded: int = 0
    attachments: list[Attachment] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Body:
    html: bool
    text: str


def parse_message(raw: bytes, limits: MimeLimits | None = None) -> ParsedMail:
    """Raises only MailRejected, whatever the bytes."""
    limits = limits or MimeLimits()
    check_header_section(raw)
    walk = _Walk(limits)
    try:
        msg = BytesParser(policy=_POLICY).parsebytes(raw)
        text = "\n\n".join(b.text for b in _collect(msg, 0, walk) if b.text)
        reason = auto_generated_reason(msg)
        failed_delivery = reports_failure(msg)
    except RecursionError:
        raise MailRejected(554, "message structure too deeply nested") from None
    except _HEADER_ERRORS:  # a stdlib parser corner we have not met yet: refuse rather than crash
        raise MailRejected(554, "malformed message") from None
    clipped = len(text) > limits.max_text_chars
    return ParsedMail(
        message_id=_first_id(_header(msg, "message-id")),
        in_reply_to=_first_id(_header(msg, "in-reply-to")),
        references=tuple(_MSG_ID.findall(_header(msg, "references"))),
        subject=" ".join(_header(msg, "subject").split()),
        sender_address=sender_address(msg),
        date=_date(msg),
        text=text[: limits.max_text_chars],
        attachments=tuple(walk.attachments),
        auto_generated=reason is not None,
        auto_reason=reason,
        text_clipped=clipped,
        failed_delivery=failed_delivery,
    )


def _collect(part: Message, depth: int, walk: _Walk, keep: bool = True) -> list[_Body]:
    """Body texts of this subtree; attachments go to walk.attachments when keep is set."""
    if depth > walk.limits.max_depth:
        raise MailRejected(554, "message structure too deeply nested")
    walk.parts += 1
    if walk.parts > walk.limits.max_parts:
        raise MailRejected(554, "message has too many parts")
    ctype = part.get_content_type()
    if part.is_multipart():
        children = [c for c in part.get_payload() if isinstance(c, Message)]
        if ctype == "message/rfc822":
            for child in children:  # still bounded by the limits, though only kept as a file
                _collect(child, depth + 1, walk, keep=False)
            if keep and children:
                walk.attachments.append(_forwarded(walk, children[0].as_bytes(policy=_FORWARD_POLICY)))
            return []
        if ctype.startswith("message/") or ctype == "multipart/encrypted":  # nothing a person reads
            return []
        results = [_collect(c, depth + 1, walk, keep) for c in children]
        if ctype == "multipart/alternative":
            return _prefer_plain(results)
        return [body for result in results for body in result]
    content = _decoded_payload(part, walk)
    filename = _filename(part)
    if ctype in ("text/plain", "text/html") and not filename and part.get_content_disposition() != "attachment":
        text = decode_text(content, part.get_content_charset())
        if ctype == "text/html":
            # Link targets are kept: in a report the address of the harmful page is the point.
            html_text = get_text(CONTROL_CHARS.sub("", text), ParserConfig(display_links=True))
            return [_Body(True, tidy(html_text))]
        if str(part.get_param("format", "")).lower() == "flowed":
            text = unflow(text, str(part.get_param("delsp", "")).lower() == "yes")
        return [_Body(False, tidy(text))]
    if keep and ctype not in _SIGNATURES:
        walk.attachments.append(_attachment(walk, part, ctype, filename, content))
    return []


def _prefer_plain(results: list[list[_Body]]) -> list[_Body]:
    with_text = [result for result in results if any(body.text for body in result)]
    plain = [result for result in with_text if not any(body.html for body in result)]
    return (plain or with_text or [[]])[0]


def _decoded_payload(part: Message, walk: _Walk) -> bytes:
    payload = part.get_payload(decode=True)
    content = payload if isinstance(payload, bytes) else b""
    walk.decoded += len(content)
    if walk.decoded > walk.limits.max_decoded_bytes:
        raise MailRejected(552, "message content too large")
    return content


def _forwarded(walk: _Walk, content: bytes) -> Attachment:
    walk.forwarded += 1
    return Attachment(f"forwarded-{walk.forwarded}.eml", "message/rfc822", content)


def _attachment(walk: _Walk, part: Message, ctype: str, filename: str | None, content: bytes) -> Attachment:
    if ctype == "message/rfc822":  # an unparsed (e.g. base64-encoded) forward
        return _forwarded(walk, content)
    if filename and ctype == "application/octet-stream":
        ctype = mimetypes.guess_type(filename)[0] or ctype  # clients often send files untyped
    if not filename:
        extension = mimetypes.guess_extension(ctype) or (".txt" if ctype.startswith("text/") else ".bin")
        filename = f"attachment-{len(walk.attachments) + 1}{extension}"
    return Attachment(filename, ctype, content)


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename() or part.get_param("name")
        if isinstance(name, str) and ("\ufffd" in name or "=?" in name or has_surrogates(name)):
            name = _legacy_filename(part) or name
    except _HEADER_ERRORS:
        name = None
    if not isinstance(name, str):
        return None
    name = " ".join(scrub(name).split())
    return name.replace("\\", "/").rsplit("/", 1)[-1] or None


def _legacy_filename(part: Message) -> str | None:
    """Undecoded parameter via the compat32 parser, then decoded with our charset aliases.

    Needed for names such as GBK text in a gb2312-labelled encoded word, which the
    default policy has already turned into replacement characters.
    """
    legacy = Message()
    for key, value in part.raw_items():
        if key.lower() in ("content-type", "content-disposition"):
            legacy[key] = value
    raw = legacy.get_filename() or legacy.get_param("name")
    if raw is None:
        return None
    return decode_header_words(collapse_rfc2231_value(raw))  # None when even that fails


def _header(msg: Message, name: str) -> str:
    try:
        value = msg.get(name)
    except _HEADER_ERRORS:
        value = None
    if value is None:
        return ""
    text = str(value)
    lost = (email.errors.UndecodableBytesDefect, email.errors.CharsetError)
    if "\ufffd" in text or has_surrogates(text) or any(isinstance(d, lost) for d in getattr(value, "defects", ())):
        raw = next((v for k, v in msg.raw_items() if k.lower() == name), "")
        text = decode_header_words(str(raw)) or text
    return scrub(text.replace("\r", " ").replace("\n", " "))


def _first_id(value: str) -> str | None:
    if found := _MSG_ID.search(value):
        return found.group(0)
    bare = value.strip()
    return f"<{bare}>" if bare and " " not in bare else None


def _date(msg: Message) -> datetime | None:
    try:
        header = msg.get("date")
        value = getattr(header, "datetime", None)
    except (*_HEADER_ERRORS, OverflowError):
        return None
    return value if isinstance(value, datetime) else None


def sender_address(msg: Message) -> str | None:
    """The bare From address with a lower-cased domain, or None for a null or missing sender."""
    try:
        header = msg.get("from")
        addresses = getattr(header, "addresses", ())
    except _HEADER_ERRORS:
        return None
    for address in addresses:
        if address.username:
            found = f"{address.username}@{address.domain.lower()}" if address.domain else str(address.username)
            # Raw non-UTF-8 bytes come back as surrogates: no address we could answer or key a sender by.
            return None if has_surrogates(found) else found
    return None


def auto_generated_reason(msg: Message) -> str | None:
    """Why this message was written by a machine (RFC 3834 and common practice), or None."""
    sender = sender_address(msg)
    if sender is None or _header(msg, "return-path").strip() == "<>":
        return "null sender"
    if sender.split("@", 1)[0].lower() in MAILBOX_SYSTEM_USERS:
        return "system sender"
    if msg.get_content_type() == "multipart/report":
        return "delivery report"
    auto_submitted = _header(msg, "auto-submitted").split(";", 1)[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return "auto-submitted"
    if _header(msg, "precedence").strip().lower() in ("bulk", "list", "junk"):
        return "bulk precedence"
    if "list-id" in msg or "list-unsubscribe" in msg:
        return "mailing list"
    if "x-autoreply" in msg or "x-autorespond" in msg:
        return "auto-reply"
    suppress = {token.strip().lower() for token in _header(msg, "x-auto-response-suppress").split(",")}
    if suppress & {"all", "oof"}:
        return "auto-reply"
    return None


def is_auto_generated(msg: Message) -> bool:
    return auto_generated_reason(msg) is not None


def loop_check(envelope_sender: str | None, parsed: ParsedMail) -> str | None:
    """Reason not to answer this message automatically, or None when a reply is safe."""
    if envelope_sender is not None:
        bare = envelope_sender.strip().strip("<>").strip()
        if not bare:
            return "null envelope sender"
        if bare.split("@", 1)[0].lower() in MAILBOX_SYSTEM_USERS:
            return "system sender"
    return parsed.auto_reason

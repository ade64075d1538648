"""Text parts to clean text: charset decoding that never raises, copes with how Chinese mail is
really labelled, and leaves no control characters."""

from __future__ import annotations

import codecs
import email.errors
import email.header
import re

# Chinese clients label GBK/GB18030 text as gb2312; gb18030 is a superset of all of them.
# Likewise latin-1 labels usually mean windows-1252, and big5 usually means HKSCS extensions.
CODEC_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030", "x-gbk": "gb18030",
    "gb_2312-80": "gb18030", "big5": "big5hkscs", "x-big5": "big5hkscs", "iso-8859-1": "cp1252",
    "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "utf-8", "ascii": "utf-8",
    "iso-2022-jp": "iso2022_jp_ext", "ks_c_5601-1987": "cp949", "unknown-8bit": "utf-8",
}
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BLANK_RUN = re.compile(r"\n{3,}")
# Tried in order when a part declares no charset or a wrong one.
_USUAL = ("utf-8", "gb18030")


def decode_text(content: bytes, charset: str | None) -> str:
    """Bytes of a text part as str, whatever the declared charset."""
    label = (charset or "").strip().strip('"').lower()
    codec = CODEC_ALIASES.get(label, label)
    if codec:
        try:
            codecs.lookup(codec)
            return content.decode(codec)
        except LookupError:
            return content.decode("utf-8", errors="replace")
        except UnicodeDecodeError:
            pass  # mislabelled: try what is usually meant before giving up
        except Exception:  # noqa: BLE001 - a few codecs raise other errors on garbage input
            return content.decode("utf-8", errors="replace")
    for candidate in _USUAL:
        try:
            return content.decode(candidate)
        except UnicodeDecodeError:
            continue
    return content.decode(codec or "utf-8", errors="replace")


def scrub(text: str) -> str:
    """No control characters and no lone surrogates (they would break every encoder downstream)."""
    return CONTROL_CHARS.sub("", text).encode("utf-8", "replace").decode("utf-8")


def has_surrogates(text: str) -> bool:
    """True when the parser kept undecodable bytes as surrogate escapes."""
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def decode_header_words(value: str) -> str | None:
    """Decode a raw header value's encoded words with the stdlib splitter and our charset aliases.

    Used only when the email policy's own decoding lost bytes (for example GBK text labelled gb2312).
    """
    try:
        chunks = email.header.decode_header(value)
    except (ValueError, LookupError, email.errors.HeaderParseError):
        return None
    out: list[str] = []
    for chunk, charset in chunks:
        data = chunk.encode("ascii", "surrogateescape") if isinstance(chunk, str) else chunk
        out.append(decode_text(data, charset))
    return "".join(out)


def tidy(text: str) -> str:
    """Plain text a person can read: LF line ends, no control characters, no runs of blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = CONTROL_CHARS.sub("", text)
    lines = [line if line == "-- " else line.rstrip() for line in text.split("\n")]  # keep the signature mark
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip()


def unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft line breaks, undo space stuffing."""
    out: list[str] = []
    pending = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith(" "):
            line = line[1:]
        if line.endswith(" ") and line != "-- ":
            pending += line[:-1] if delsp else line
            continue
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    return "\n".join(out)

"""Remove the quoted history that mail clients append to a citizen's reply.

Only the new text matters to the case; the history is already in the transcript.
Forwarded content is deliberately kept: a forward is usually the evidence. Patterns
demand a date or a header block so that a citizen's own sentences are not cut.
"""

from __future__ import annotations

import re

# A line that starts the quoted history by itself.
_HISTORY_START = [
    re.compile(r"^-{2,}\s*(original message|原始邮件|邮件原件|原邮件)\s*-{2,}$", re.IGNORECASE),
    re.compile(r"^(在.{0,40})?\d{4}\s*[年/\-.].{0,150}写道\s*[：:]$"),
    re.compile(r"^On .{0,200}\d.{0,200} wrote:$"),
]
# Gmail wraps its attribution line: "On <date> <name> <" / "address> wrote:".
_ATTRIBUTION_OPEN = re.compile(r"^(On .{0,200}\d|(在.{0,40})?\d{4}\s*[年/\-.]).{0,200}$")
_ATTRIBUTION_CLOSE = re.compile(r"(wrote:|写道\s*[：:])$")
# Outlook and Chinese webmail header blocks: "From:" followed by "Sent:"/"Date:"/... lines.
_BLOCK_FIRST = re.compile(r"^\*?(From|发件人|寄件者)\s*\*?\s*[:：]", re.IGNORECASE)
_BLOCK_NEXT = re.compile(
    r"^\*?(Sent|Date|To|Subject|Cc|发送时间|发件时间|时间|日期|收件人|主题|抄送|寄件日期|收件者|主旨)\s*\*?\s*[:：]",
    re.IGNORECASE)
# Everything after a forward marker is the forwarded message: kept.
_FORWARD = re.compile(
    r"^(-{2,}\s*(forwarded message|转发邮件|转发的邮件)\s*-{2,}|begin forwarded message:|以下为转发的邮件\s*[：:])$",
    re.IGNORECASE)
_RULE = re.compile(r"^_{10,}$")
_SIGNATURE = "-- "  # exactly; a bare "--" is too common inside complaints to cut at
_LOOKAHEAD = 6


def strip_quoted(text: str) -> str:
    """The new part of a reply, or the original text when nothing new would be left."""
    lines = text.replace("\r\n", "\n").split("\n")
    cut = _history_start(lines)
    kept = [line for line in lines[:cut] if not line.lstrip().startswith((">", "＞"))]
    result = "\n".join(kept).strip()
    return result if result else text


def _history_start(lines: list[str]) -> int:
    for index, line in enumerate(lines):
        if line == _SIGNATURE:
            return index
        stripped = line.strip()
        if not stripped:
            continue
        if _FORWARD.match(stripped):
            break
        if any(pattern.match(stripped) for pattern in _HISTORY_START):
            return index
        if _wrapped_attribution(lines, index):
            return index
        if _RULE.match(stripped) and _header_block_follows(lines, index + 1):
            return index
        if _BLOCK_FIRST.match(stripped) and _header_block_follows(lines, index):
            return index
    return len(lines)


def _wrapped_attribution(lines: list[str], index: int) -> bool:
    if not _ATTRIBUTION_OPEN.match(lines[index].strip()) or index + 1 >= len(lines):
        return False
    return bool(_ATTRIBUTION_CLOSE.search(lines[index + 1].strip()))


def _header_block_follows(lines: list[str], start: int) -> bool:
    """A From line followed closely by at least one other reply-header line."""
    window = [line.strip() for line in lines[start:start + _LOOKAHEAD] if line.strip()]
    if not window or not _BLOCK_FIRST.match(window[0]):
        return False
    return any(_BLOCK_NEXT.match(line) for line in window[1:])

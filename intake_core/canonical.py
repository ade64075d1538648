"""Canonical forms of report targets, so that reports of one thing join one cluster."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from intake_core.model import TargetType

DEFAULT_PORTS = {"http": 80, "https": 443}
# Parameters that only say where a link was shared from; they never change what it points at.
TRACKING_PARAMETERS = frozenset({
    "fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid", "igshid", "spm", "scm",
    "share_source", "share_medium", "share_from", "share_token", "shareid", "from", "isappinstalled",
    "wfr", "vd_source", "si", "ref", "ref_src",
})
_SAFE_PATH = "/:@!$&'()*+,;=-._~"


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in TRACKING_PARAMETERS


def canonical_url(url: str) -> str:
    """Lower-case scheme (http as https) and host; drop default ports, tracking parameters,
    fragment and trailing slash."""
    parts = urlsplit(url.strip())
    scheme = (parts.scheme or "http").lower()
    host = (parts.hostname or "").rstrip(".")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        host = host.lower()
    port = parts.port
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    path = quote(unquote(parts.path), safe=_SAFE_PATH)
    path = re.sub(r"/{2,}", "/", path)
    if path.endswith("/"):
        path = path.rstrip("/")
    query_pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    query = urlencode(sorted(query_pairs))
    # http and https name the same content for clustering purposes.
    return urlunsplit(("https" if scheme in DEFAULT_PORTS else scheme, netloc, path, query, ""))


def canonical_target(target: str, target_type: TargetType | None) -> str:
    """A stable key for clustering: URLs by canonical_url, other targets by folded text."""
    text = unicodedata.normalize("NFKC", target).strip()
    if target_type == TargetType.URL or (target_type is None and re.match(r"(?i)^https?://", text)):
        return canonical_url(text)
    folded = re.sub(r"\s+", " ", text).casefold().lstrip("@")
    return f"{(target_type or TargetType.OTHER).value}:{folded}"

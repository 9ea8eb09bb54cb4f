"""Redirect targets that can only ever stay on this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a relative path on this site, else None.

    Browsers treat a backslash like a slash and ignore tabs and newlines inside URLs, so
    ``/\\host`` or ``/\\t/host`` would leave the site; anything with a scheme, a host, control
    characters or backslashes is refused rather than cleaned.
    """
    if not target or len(target) > 2000:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target) or "\\" in target:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target

"""What both pinners share: UUID parsing and keeping secrets out of messages."""

from __future__ import annotations

import uuid
from urllib.parse import SplitResult, unquote, urlsplit

from hcctl.errors import PinError


def parse_uuid(value: str) -> uuid.UUID:
    """The UUID in `value` (any case, with or without dashes); PinError if it is not one."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise PinError(f"{value!r} is not a UUID") from None


def split_url(url: str) -> SplitResult:
    """`url` split into parts, its port checked; PinError without echoing it if malformed."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        # The URL may hold a password, so the message cannot quote it.
        raise PinError("the database URL is malformed (expected scheme://user@host/name)") from None
    return parts


def redact_url(url: str) -> str:
    """`url` with its password, if any, replaced by `***`."""
    parts = split_url(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return parts._replace(netloc=f"{user}:***@{host}").geturl()


def scrub(text: str, secrets: tuple[str | None, ...]) -> str:
    """`text` with every secret (raw or URL-decoded) replaced by `***`, on its first line only."""
    line = text.strip().splitlines()[0] if text.strip() else ""
    for secret in secrets:
        if secret:
            for form in {secret, unquote(secret)}:
                line = line.replace(form, "***")
    return line

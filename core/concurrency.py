"""Optimistic concurrency for records two operators may edit at once: a read answers an
`ETag`, an update may send it back as `If-Match`, and a stale one is refused (412) instead
of silently overwriting the other operator's change."""

from __future__ import annotations

import hashlib
from typing import Any

from core.errors import DomainError


class PreconditionFailed(DomainError):
    status = 412


def etag(*version: Any) -> str:
    """A strong ETag from what changes on every write (a version number, `updated_at`)."""
    return '"' + hashlib.sha256(repr(version).encode()).hexdigest()[:20] + '"'


def check_if_match(if_match: str | None, current: str, what: str) -> None:
    """Refuse the write when `If-Match` names another version. Without the header the write
    goes through (clients that do not send it keep working)."""
    if if_match is None or if_match.strip() == "*":
        return
    sent = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    if current not in sent:
        raise PreconditionFailed(f"{what} was changed by someone else since you read it: read it again "
                                 f"(its ETag is now {current}) and re-apply your change")

"""The ACS this platform drives, from its settings row: one client, one place for warnings."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from acs.genieacs import GenieAcsClient, is_private_url
from acs.models import AcsSettings

log = logging.getLogger("ponstack.acs")


@dataclass(frozen=True)
class AcsConfig:
    """The settings row's values, usable after its session closed."""

    nbi_url: str
    nbi_username: str | None
    nbi_password: str | None
    nbi_headers: dict[str, str]
    connection_request_timeout_ms: int
    rate_per_second: float
    reapply_drift: bool
    max_attempts: int


def load_settings(session: Session) -> AcsConfig:
    row = session.get(AcsSettings, 1)
    if row is None:
        return AcsConfig("http://127.0.0.1:7557", None, None, {}, 4000, 50.0, False, 5)
    return AcsConfig(row.nbi_url, row.nbi_username, row.nbi_password,
                     json.loads(row.nbi_headers) if row.nbi_headers else {}, row.connection_request_timeout_ms,
                     row.rate_per_second, row.reapply_drift, row.max_attempts)


def acs_client(config: AcsConfig) -> GenieAcsClient:
    return GenieAcsClient(config.nbi_url, username=config.nbi_username, password=config.nbi_password,
                          headers=config.nbi_headers or None)


def nbi_warnings(nbi_url: str, username: str | None, headers: dict[str, str]) -> list[str]:
    """What an operator must know about reaching the NBI (it has no authentication of its own)."""
    if is_private_url(nbi_url) or username or headers:
        return []
    return [f"the GenieACS NBI at {nbi_url} is not on a private address and no proxy credentials are set: "
            "the NBI has no authentication (CVE-2025-56015); put it on a private network or behind an "
            "authenticating proxy"]


def warn_if_exposed(session: Session) -> None:
    """Logged at start (`ponstack up` / the worker)."""
    config = load_settings(session)
    for warning in nbi_warnings(config.nbi_url, config.nbi_username, config.nbi_headers):
        log.warning(warning)

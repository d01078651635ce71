"""Fixtures shared by the OMS API tests."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

import oms.services
from tests.fixtures import api_client


@pytest.fixture
def client(db_url: str) -> TestClient:
    """The API on a fresh database, as user `admin` (role admin) with an API token."""
    return api_client(db_url)


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Calls that would have queued work (no worker runs in these tests)."""
    calls: list[dict[str, Any]] = []

    def fake_defer(url: str, task_name: str, lock: str | None = None, **kwargs: Any) -> int:
        calls.append({"task": task_name, "lock": lock, **kwargs})
        return 9000 + len(calls)

    monkeypatch.setattr(oms.services, "defer", fake_defer)
    return calls

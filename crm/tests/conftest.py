"""The whole application on a fresh migrated database per test, called by an admin's token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.fixtures import api_client


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    with api_client(db_url) as test_client:
        yield test_client

"""A CRM-only FastAPI app on a fresh migrated database per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from core.db import set_database_url
from crm.api import router


@pytest.fixture
def client(db_url: str) -> Iterator[TestClient]:
    set_database_url(db_url)
    app = FastAPI()
    app.include_router(router)
    with TestClient(app) as test_client:
        yield test_client

"""The one database layer: metadata, declarative base, engine and session helper."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import DateTime, Engine, MetaData, create_engine, func
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    metadata = metadata


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


def sqlalchemy_url(url: str) -> str:
    """Normalise a libpq-style URL to SQLAlchemy's psycopg 3 dialect."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"only PostgreSQL URLs are supported, got {url.split(':', 1)[0]!r}")


def libpq_url(url: str) -> str:
    """The same URL in the plain form psycopg.connect() and procrastinate expect."""
    return "postgresql://" + sqlalchemy_url(url)[len("postgresql+psycopg://") :]


@functools.lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    _ENGINE_URLS.add(url)
    # A device job holds its ONU row lock in one session while it logs steps in others:
    # room for two connections per concurrent job (worker concurrency up to ~25).
    return create_engine(sqlalchemy_url(url), pool_pre_ping=True, pool_size=10, max_overflow=50)


@functools.lru_cache(maxsize=8)
def _session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(get_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """Open a session that commits on success and rolls back on any error."""
    session = _session_factory(url or current_database_url())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_current_url: str | None = None


def set_database_url(url: str) -> None:
    """Record the database this process uses (explicit or embedded)."""
    global _current_url
    _current_url = url


def current_database_url() -> str:
    if _current_url:
        return _current_url
    from core.settings import get_settings

    url = get_settings().database_url
    if not url:
        raise RuntimeError("no database configured: set DATABASE_URL or start through `ponstack up`")
    return url


def dispose_engine(url: str) -> None:
    """Close pooled connections to `url` (before dropping that database)."""
    if url in _ENGINE_URLS:
        get_engine(url).dispose()


_ENGINE_URLS: set[str] = set()

"""Encryption at rest for device credentials (OLT CLI passwords, SNMP secrets).

Fernet (AES-128-CBC + HMAC-SHA256). The key comes from PONSTACK_SECRET_KEY; a
comma-separated list enables rotation (first key encrypts, all keys decrypt).
In production mode a missing key is fatal; in the embedded development default
one is generated once and kept in the data directory.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from core.settings import get_settings

KEY_FILE_NAME = "secret.key"


class SecretKeyMissing(RuntimeError):
    pass


class DecryptionFailed(RuntimeError):
    pass


def load_or_create_key(data_dir: Path) -> str:
    """Return the development key kept in the data directory, creating it once."""
    path = data_dir / KEY_FILE_NAME
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def resolve_secret_key() -> str:
    settings = get_settings()
    if settings.secret_key:
        return settings.secret_key
    if settings.production:
        raise SecretKeyMissing(
            "PONSTACK_SECRET_KEY is not set: production mode refuses to store device credentials "
            "without an encryption key (generate one with `ponstack genkey`)"
        )
    return load_or_create_key(settings.data_dir)


@functools.lru_cache(maxsize=4)
def _cipher(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


def cipher() -> MultiFernet:
    return _cipher(resolve_secret_key())


def encrypt(plaintext: str) -> str:
    return cipher().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise DecryptionFailed(
            "stored credential cannot be decrypted with PONSTACK_SECRET_KEY (wrong or rotated-out key)"
        ) from exc


class EncryptedText(TypeDecorator[str]):
    """A text column whose value is Fernet-encrypted in the database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else decrypt(value)

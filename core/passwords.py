"""Passwords and second factors.

Passwords are hashed with argon2id (argon2-cffi's `PasswordHasher`, its RFC 9106 defaults);
a hash made with older parameters is re-hashed at the next successful login
(`needs_rehash`). A password has at least MIN_LENGTH characters and is not the username.

The second factor is a TOTP (RFC 6238: 6 digits, 30 s, SHA-1, what every authenticator
app reads from an `otpauth://` URI), checked with one step of clock drift either way.
The secret is kept encrypted in `users.totp_secret`; between enrolment and its
confirmation it is kept there as PENDING_PREFIX + secret, which does not yet count as a
second factor (`totp_enrolled`).
"""

from __future__ import annotations

import functools
import re
import secrets

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.errors import FieldErrors

MIN_LENGTH = 12
#: long enough for any passphrase, short enough that hashing it costs nothing extra
MAX_LENGTH = 1000
TOTP_ISSUER = "ponstack"
TOTP_VALID_WINDOW = 1  # steps of 30 s accepted either side of now
PENDING_PREFIX = "pending:"
_CODE = re.compile(r"^\d{6}$")

_hasher = PasswordHasher()


class PasswordRejected(FieldErrors):
    """A new password the policy refuses (422, naming the field)."""

    def __init__(self, message: str, field: str = "password") -> None:
        super().__init__(message, [{"loc": ["body", field], "msg": message, "type": "password_policy"}])


def check_policy(password: str, username: str | None = None, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"a password has at least {MIN_LENGTH} characters", field)
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"a password has at most {MAX_LENGTH} characters", field)
    if password.strip() == "":
        raise PasswordRejected("a password cannot be only spaces", field)
    if username is not None and password.strip().lower() == username.lower():
        raise PasswordRejected("a password cannot be the username", field)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash. Without a hash (an unknown user, a user
    who never had a password) a dummy hash is checked all the same, so that the answer
    takes as long either way (no user enumeration by timing)."""
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether the hash was made with other parameters than the current ones."""
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def generate_password() -> str:
    """A random password for a new account (24 url-safe characters, 144 bits)."""
    return secrets.token_urlsafe(18)


# --- second factor --------------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, username: str) -> str:
    """The `otpauth://` URI an authenticator app reads (usually as a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


def verify_totp(secret: str | None, code: str | None) -> bool:
    if not secret or not code:
        return False
    code = code.replace(" ", "")
    if not _CODE.match(code):
        return False
    return pyotp.TOTP(secret).verify(code, valid_window=TOTP_VALID_WINDOW)


def totp_enrolled(stored: str | None) -> bool:
    """Whether the stored value is a confirmed second factor (not a pending enrolment)."""
    return bool(stored) and not str(stored).startswith(PENDING_PREFIX)


def pending_secret(stored: str | None) -> str | None:
    """The secret of an enrolment awaiting its confirmation, if there is one."""
    if stored and stored.startswith(PENDING_PREFIX):
        return stored[len(PENDING_PREFIX):]
    return None

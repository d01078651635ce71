"""The one error type of the domains. The API answers it with an RFC 9457 problem
document (api.errors); everything else that uses the domains (CLI, worker) reads
its message, which says what is wrong with which object in words an operator can act on."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every domain error; `status` is the HTTP status the API answers with."""

    status: ClassVar[int] = 400

    def extensions(self) -> dict[str, Any]:
        """Extra members of the problem document (e.g. `line` of a template error)."""
        return {}


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Invalid(DomainError):
    """The request cannot be carried out as asked (a rule the values break)."""

    status = 422


class FieldErrors(DomainError):
    """A request that names its faults field by field (`loc` as in a validation error)."""

    status = 422

    def __init__(self, message: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.errors = errors

    def extensions(self) -> dict[str, Any]:
        return {"errors": self.errors}

"""OMS errors: each says what is wrong with which object, in words an operator can act on."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm import Session

from core.errors import DomainError

M = TypeVar("M", bound=Any)


class OmsError(DomainError):
    """Base class of the OMS's errors; `status` is the HTTP status the API answers with."""

    status = 422


class NotFound(OmsError):
    status = 404


class Conflict(OmsError):
    status = 409


class ProvisioningDataMissing(OmsError):
    """The database lacks what a template needs (ONU type, plan mapping, OLT profile)."""

    status = 422


class PortFull(Conflict):
    pass


def get_or_404(session: Session, model: type[M], obj_id: int, what: str, *, lock: bool = False) -> M:
    """The row (locked FOR UPDATE and re-read when `lock`), or NotFound saying
    "<what> <id> does not exist"."""
    obj = session.get(model, obj_id, with_for_update=lock or None, populate_existing=lock)
    if obj is None:
        raise NotFound(f"{what} {obj_id} does not exist")
    return obj

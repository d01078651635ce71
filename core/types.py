"""Column helpers shared by every domain's models."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def enum_type(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A VARCHAR + CHECK enum: values are stored, the set is enforced, and adding
    a value is an ordinary constraint change (no ALTER TYPE on PostgreSQL)."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )

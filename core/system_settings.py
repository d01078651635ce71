"""Read System Settings rows (the `settings` table)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Setting


def get_settings_map(session: Session, prefix: str = "") -> dict[str, Any]:
    rows = session.execute(select(Setting.key, Setting.value).where(Setting.key.startswith(prefix)))
    return {key: value for key, value in rows}


def get_setting(session: Session, key: str, default: Any = None) -> Any:
    value = session.execute(select(Setting.value).where(Setting.key == key)).scalar_one_or_none()
    return default if value is None else value

"""What provisioning needs from the domains that drive the OMS: the service plan an ONU
serves and the subscription's PPPoE credentials (CRM), and the TR-069 management ONUs
are given (the ACS settings: CWMP URL, credentials, Huawei profile).

The CRM and the ACS drive the OMS, so no OMS module imports their code: these few
columns are read from the shared schema by table name, in one place, and the OMS never
writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, String, column, select, table
from sqlalchemy.orm import Session

from core.crypto import EncryptedText
from oms.models import Onu

_plans = table("service_plans", column("id", Integer), column("name", String))
subscriptions_table = table(
    "subscriptions",
    column("id", Integer),
    column("plan_id", Integer),
    column("pppoe_username", String),
    column("pppoe_password", EncryptedText()),
)

_acs_settings = table(
    "acs_settings",
    column("id", Integer),
    column("cwmp_url", String),
    column("cwmp_username", String),
    column("cwmp_password", EncryptedText()),
    column("huawei_tr069_profile_id", Integer),
)


def tr069_management(session: Session) -> dict[str, Any]:
    """The ACS URL and credentials the OLT gives authorized ONUs (None when unset)."""
    c = _acs_settings.c
    row = session.execute(select(c.cwmp_url, c.cwmp_username, c.cwmp_password, c.huawei_tr069_profile_id)
                          .where(c.id == 1)).first()
    if row is None:
        return {"acs_url": None, "username": None, "password": None, "profile_id": None}
    return {"acs_url": row.cwmp_url or None, "username": row.cwmp_username or None,
            "password": row.cwmp_password or None, "profile_id": row.huawei_tr069_profile_id}


@dataclass(frozen=True)
class OnuService:
    plan_id: int | None
    plan_name: str | None
    pppoe_username: str | None = None
    pppoe_password: str | None = None


def service_of(session: Session, onu: Onu, plan_names: dict[Any, str | None] | None = None) -> OnuService:
    """The subscription's plan (and PPPoE credentials) when the ONU serves one, else the
    plan chosen for it directly (`desired.plan_id`, at pre-provisioning or authorization).
    `plan_names` caches plan names over a run."""
    names = plan_names if plan_names is not None else {}

    def plan_name_of(plan_id: Any) -> str | None:
        if plan_id not in names:
            names[plan_id] = plan_name(session, plan_id)
        return names[plan_id]

    if onu.subscription_id is not None:
        subs = subscriptions_table.c
        row = session.execute(
            select(subs.plan_id, subs.pppoe_username, subs.pppoe_password).where(subs.id == onu.subscription_id)
        ).first()
        if row is not None:
            return OnuService(row.plan_id, plan_name_of(row.plan_id), row.pppoe_username, row.pppoe_password)
    plan_id = onu.desired.get("plan_id")
    name = plan_name_of(plan_id) if plan_id else None
    return OnuService(plan_id if name is not None else None, name)


def plan_name(session: Session, plan_id: Any) -> str | None:
    if not isinstance(plan_id, int):
        return None
    return session.execute(select(_plans.c.name).where(_plans.c.id == plan_id)).scalar_one_or_none()


def subscription_exists(session: Session, subscription_id: int) -> bool:
    found = session.execute(select(subscriptions_table.c.id).where(subscriptions_table.c.id == subscription_id)).first()
    return found is not None

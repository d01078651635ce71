"""Reference data in use cannot be deleted: a service plan, an ONU type, an OLT profile
or a zone that ONUs (or subscriptions) depend on is refused with 409, saying how many
and which, instead of leaving every later action on those ONUs to fail. Given the principal
asking, only what it may see is named (ONUs and OLTs elsewhere are only counted)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, func, or_, select
from sqlalchemy.orm import Session

from core.access import Principal
from oms.errors import Conflict
from oms.models import Olt, OltProfile, OltProfileKind, Onu, OnuLifecycle, OnuTypeOltMapping, PlanOltProfile
from oms.service import subscriptions_table

SHOWN = 10
#: ONUs that are (or are about to be) configured somewhere
HELD = (OnuLifecycle.ACTIVE, OnuLifecycle.SUSPENDED, OnuLifecycle.AUTHORIZING, OnuLifecycle.REMOVING,
        OnuLifecycle.PREPROVISIONED, OnuLifecycle.FAILED)


def refuse_if_used(what: str, serials: list[str], total: int, extra: str = "") -> None:
    if total:
        shown = ", ".join(serials[:SHOWN]) or "none you can see"
        if serials and total > len(serials[:SHOWN]):
            shown += " ..."
        raise Conflict(f"{what} is used by {total} ONU(s): {shown}{extra}; change or remove them first")


def _onus(session: Session, condition: ColumnElement[bool], who: Principal | None = None) -> tuple[list[str], int]:
    """(serials to name, at most SHOWN of those `who` sees; how many ONUs match in all)."""
    total = session.execute(select(func.count()).select_from(Onu).where(condition)).scalar_one()
    named = _seen(condition, who, Onu.olt_id)
    serials = session.execute(select(Onu.serial).where(named).order_by(Onu.serial).limit(SHOWN)).scalars()
    return list(serials), total


def _seen(condition: ColumnElement[bool], who: Principal | None, olt_id_column: object) -> ColumnElement[bool]:
    scope = None if who is None else who.olt_condition(olt_id_column)
    return condition if scope is None else condition & scope


def _plan_of_onu(plan_id: int) -> ColumnElement[bool]:
    """ONUs that take the plan directly, or through their subscription."""
    direct = Onu.desired["plan_id"].astext.cast(Integer) == plan_id
    subs = subscriptions_table.c
    subscribed = Onu.subscription_id.in_(select(subs.id).where(subs.plan_id == plan_id))
    return (direct | subscribed) & Onu.lifecycle_state.in_(HELD)


def check_plan_unused(session: Session, plan_id: int, name: str) -> None:
    subscriptions = session.execute(
        select(func.count()).select_from(subscriptions_table).where(subscriptions_table.c.plan_id == plan_id)
    ).scalar_one()
    serials, total = _onus(session, _plan_of_onu(plan_id))
    extra = f" and {subscriptions} subscription(s)" if subscriptions else ""
    refuse_if_used(f"service plan {name!r}", serials, total, extra)
    if subscriptions:
        raise Conflict(f"service plan {name!r} is used by {subscriptions} subscription(s); move them to "
                       "another plan first")


def check_plan_family_unused(session: Session, plan_id: int, name: str, family: str) -> None:
    """The plan's mapping for one vendor family, still needed by ONUs on that family's OLTs."""
    on_family = Onu.olt_id.in_(select(Olt.id).where(Olt.family == family))
    serials, total = _onus(session, _plan_of_onu(plan_id) & on_family)
    refuse_if_used(f"the {family} mapping of service plan {name!r}", serials, total)


def check_onu_type_unused(session: Session, onu_type_id: int, label: str, who: Principal | None = None) -> None:
    serials, total = _onus(session, Onu.onu_type_id == onu_type_id, who)
    refuse_if_used(f"ONU type {label}", serials, total)


def check_zone_unused(session: Session, zone_id: int, name: str, who: Principal | None = None) -> None:
    in_zone = Olt.zone_id == zone_id
    total = session.execute(select(func.count()).select_from(Olt).where(in_zone)).scalar_one()
    if total:
        olts = session.execute(select(Olt.name).where(_seen(in_zone, who, Olt.id)).order_by(Olt.name)).scalars()
        shown = ", ".join(list(olts)[:SHOWN]) or "none you can see"
        raise Conflict(f"zone {name!r} holds {total} OLT(s): {shown}; move them first")


def check_olt_profile_unused(session: Session, profile: OltProfile) -> None:
    """An OLT profile that a plan or ONU type mapping names, for ONUs on this OLT."""
    olt = session.get_one(Olt, profile.olt_id)
    on_olt = (Onu.olt_id == olt.id) & Onu.lifecycle_state.in_(HELD)
    plan_columns = {
        OltProfileKind.LINE: (PlanOltProfile.line_profile,),
        OltProfileKind.TCONT: (PlanOltProfile.tcont_profile,),
        OltProfileKind.TRAFFIC: (PlanOltProfile.traffic_profile_up, PlanOltProfile.traffic_profile_down),
    }.get(profile.kind, ())
    condition = None
    if plan_columns:
        names_it = or_(*[column == profile.name for column in plan_columns])
        plans = select(PlanOltProfile.plan_id).where(PlanOltProfile.vendor_family == olt.family, names_it)
        condition = on_olt & _any_plan(list(session.execute(plans).scalars()))
    if profile.kind is OltProfileKind.SERVICE:
        types = select(OnuTypeOltMapping.onu_type_id).where(
            OnuTypeOltMapping.vendor_family == olt.family, OnuTypeOltMapping.service_profile == profile.name)
        condition = on_olt & Onu.onu_type_id.in_(types)
    if condition is None:
        return
    serials, total = _onus(session, condition)
    refuse_if_used(f"{profile.kind.value} profile {profile.name!r} on OLT {olt.name}", serials, total)


def _any_plan(plan_ids: list[int]) -> ColumnElement[bool]:
    if not plan_ids:
        return Onu.id.is_(None)  # matches nothing
    condition = _plan_of_onu(plan_ids[0])
    for plan_id in plan_ids[1:]:
        condition = condition | _plan_of_onu(plan_id)
    return condition

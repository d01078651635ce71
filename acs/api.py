"""The ACS API: intents per ONU (WAN, Wi-Fi, reboot, factory reset, diagnostics, firmware),
devices, device events from the ACS, campaigns, ACS settings and TR-069 mappings.

An intent answers 202: it is in the outbox and the worker sends it; follow it at
`GET /acs/intents/{id}` until `applied` or `failed`. The WAN and Wi-Fi endpoints take
`dry_run`: they then answer 200 with an IntentPlan (the parameters the intent would set, secrets
masked, and the open intents it would supersede), validated exactly as the real request, and
store nothing.
"""

from __future__ import annotations

import hmac
import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Header, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from acs import campaigns
from acs.connection import acs_client, load_settings, nbi_warnings
from acs.events import InformEvent, ingest
from acs.intents import create_intent, preview_intent
from acs.jobs import kick_dispatcher
from acs.models import AcsCampaign, AcsDevice, AcsIntent, AcsSettings, IntentKind, IntentReason, Tr069Mapping
from acs.schemas import (
    AcsSettingsIn,
    AcsSettingsOut,
    CampaignIn,
    CampaignOut,
    ConnectionTestOut,
    DeviceFilter,
    DeviceOut,
    EventTokenOut,
    FirmwareIn,
    InformsIn,
    IngestOut,
    IntentFilter,
    IntentOut,
    IntentParameter,
    IntentPlan,
    IntentRequest,
    MappingFilter,
    MappingIn,
    MappingOut,
    PingIn,
    TracerouteIn,
    WanIn,
    WifiIn,
)
from acs.validation import validated
from core.access import NotAuthenticated, Permission, Principal, Requirement, digest, new_token, require
from core.audit import audit
from core.db import current_database_url, session_scope
from core.errors import Conflict, FieldErrors, Invalid
from core.paging import Page, page_of
from oms.errors import get_or_404
from oms.models import Onu
from oms.scope import check_visible, get_visible, visible_only

router = APIRouter(tags=["acs"])
P = Permission
#: the device-event route is called by the ACS with its own token, not a user's
DEVICE_EVENTS: Any = Depends(Requirement((), public=True, reads_credentials=False))


# --- intents ------------------------------------------------------------------------------
def _intend(onu_id: int, kind: IntentKind, values: dict[str, Any], body: IntentRequest, who: Principal) -> IntentOut:
    url = current_database_url()
    with session_scope() as session:
        get_visible(session, who, Onu, onu_id, "ONU")
        from_ticket = bool(body.reason_ref and body.reason_ref.lower().startswith("ticket"))
        reason = IntentReason.TICKET if from_ticket else IntentReason.API
        intent = create_intent(session, onu_id, kind, values, reason=reason, actor=who.username,
                               reason_ref=body.reason_ref)
        out = IntentOut.of(intent)
    kick_dispatcher(url)
    return out


def _plan(onu_id: int, kind: IntentKind, values: dict[str, Any], who: Principal, response: Response) -> IntentPlan:
    """A dry run: what the intent would set, validated as `_intend` validates it; nothing stored."""
    response.status_code = 200
    response.headers["Cache-Control"] = "no-store"
    with session_scope() as session:
        get_visible(session, who, Onu, onu_id, "ONU")
        preview = preview_intent(session, onu_id, kind, values)
        session.rollback()
    return IntentPlan(serial=preview.serial, kind=preview.kind, slot=preview.slot, supersedes=preview.supersedes,
                      note=preview.note, parameters=[IntentParameter(name=p.name, value=p.value, secret=p.secret)
                                                     for p in preview.parameters])


DRY_RUN: dict[int | str, dict[str, Any]] = {200: {"model": IntentPlan, "description": "dry run: what would be set"}}


@router.post("/onus/{onu_id}/acs/wan", response_model=IntentOut | IntentPlan, status_code=202, responses=DRY_RUN)
def set_wan(onu_id: int, body: WanIn, response: Response,
            who: Principal = require(P.ONU_CONFIGURE)) -> IntentOut | IntentPlan:
    """The ONU's internet WAN: PPPoE (with credentials), DHCP or bridge, optionally tagged;
    with dry_run, answer the plan and store nothing."""
    kind, values = body.values()
    if body.dry_run:
        return _plan(onu_id, kind, values, who, response)
    return _intend(onu_id, kind, values, body, who)


@router.post("/onus/{onu_id}/acs/wifi", response_model=IntentOut | IntentPlan, status_code=202, responses=DRY_RUN)
def set_wifi(onu_id: int, body: WifiIn, response: Response,
             who: Principal = require(P.ONU_CONFIGURE)) -> IntentOut | IntentPlan:
    """One radio's SSID, security and passphrase (the passphrase is never shown again);
    with dry_run, answer the plan and store nothing."""
    if body.dry_run:
        return _plan(onu_id, IntentKind.WIFI, body.values(), who, response)
    return _intend(onu_id, IntentKind.WIFI, body.values(), body, who)


@router.post("/onus/{onu_id}/acs/reboot", response_model=IntentOut, status_code=202)
def acs_reboot(onu_id: int, body: IntentRequest | None = None, who: Principal = require(P.ONU_DIAGNOSE)) -> IntentOut:
    return _intend(onu_id, IntentKind.REBOOT, {}, body or IntentRequest(reason_ref=None), who)


@router.post("/onus/{onu_id}/acs/factory-reset", response_model=IntentOut, status_code=202)
def acs_factory_reset(onu_id: int, body: IntentRequest | None = None,
                      who: Principal = require(P.ONU_CONFIGURE)) -> IntentOut:
    return _intend(onu_id, IntentKind.FACTORY_RESET, {}, body or IntentRequest(reason_ref=None), who)


@router.post("/onus/{onu_id}/acs/ping", response_model=IntentOut, status_code=202)
def acs_ping(onu_id: int, body: PingIn, who: Principal = require(P.ONU_DIAGNOSE)) -> IntentOut:
    """A ping from the ONU; its results are in the intent's `result.diagnostics` once applied."""
    return _intend(onu_id, IntentKind.PING, body.model_dump(exclude={"reason_ref"}), body, who)


@router.post("/onus/{onu_id}/acs/traceroute", response_model=IntentOut, status_code=202)
def acs_traceroute(onu_id: int, body: TracerouteIn, who: Principal = require(P.ONU_DIAGNOSE)) -> IntentOut:
    return _intend(onu_id, IntentKind.TRACEROUTE, body.model_dump(exclude={"reason_ref"}), body, who)


@router.post("/onus/{onu_id}/acs/firmware", response_model=IntentOut, status_code=202)
def acs_firmware(onu_id: int, body: FirmwareIn, who: Principal = require(P.ONU_PROVISION)) -> IntentOut:
    """Download a firmware file the ACS holds (GenieACS `/files`) to the ONU."""
    return _intend(onu_id, IntentKind.FIRMWARE, {"file_name": body.file_name}, body, who)


@router.get("/onus/{onu_id}/acs/intents", response_model=Page[IntentOut])
def onu_intents(onu_id: int, query: Annotated[IntentFilter, Query()],
                who: Principal = require(P.NETWORK_READ)) -> Page[IntentOut]:
    with session_scope() as session:
        get_visible(session, who, Onu, onu_id, "ONU")
        stmt = select(AcsIntent).where(AcsIntent.onu_id == onu_id)
        return page_of(session, _filtered(stmt, query), query, IntentOut.of, order_by=[AcsIntent.id.desc()])


@router.get("/acs/intents", response_model=Page[IntentOut])
def list_intents(query: Annotated[IntentFilter, Query()], who: Principal = require(P.NETWORK_READ)) -> Page[IntentOut]:
    stmt = visible_only(select(AcsIntent).join(Onu, Onu.id == AcsIntent.onu_id), who, Onu.olt_id)
    with session_scope() as session:
        return page_of(session, _filtered(stmt, query), query, IntentOut.of, order_by=[AcsIntent.id.desc()])


def _filtered(stmt: Any, query: IntentFilter) -> Any:
    if query.status is not None:
        stmt = stmt.where(AcsIntent.status == query.status)
    if query.kind is not None:
        stmt = stmt.where(AcsIntent.kind == query.kind)
    return stmt


@router.get("/acs/intents/{intent_id}", response_model=IntentOut)
def get_intent(intent_id: int, who: Principal = require(P.NETWORK_READ)) -> IntentOut:
    with session_scope() as session:
        return IntentOut.of(_visible_intent(session, who, intent_id))


def _visible_intent(session: Session, who: Principal, intent_id: int) -> AcsIntent:
    intent = get_or_404(session, AcsIntent, intent_id, "intent")
    onu = session.get(Onu, intent.onu_id)
    check_visible(who, onu.olt_id if onu else None, "intent", intent_id)
    return intent


@router.post("/acs/intents/{intent_id}/retry", response_model=IntentOut, status_code=202)
def retry_intent(intent_id: int, who: Principal = require(P.ONU_CONFIGURE)) -> IntentOut:
    """A failed intent again, as a new intent with the same values (and secrets)."""
    url = current_database_url()
    with session_scope() as session:
        old = _visible_intent(session, who, intent_id)
        if old.status.value != "failed":
            raise Conflict(f"intent {intent_id} is {old.status.value}: only a failed intent is retried")
        values = {**old.desired, **(json.loads(old.secrets) if old.secrets else {})}
        intent = create_intent(session, old.onu_id, old.kind, values, reason=old.reason, actor=who.username,
                               reason_ref=f"retry of intent {old.id}")
        out = IntentOut.of(intent)
    kick_dispatcher(url)
    return out


# --- devices and their events --------------------------------------------------------------
@router.get("/acs/devices", response_model=Page[DeviceOut])
def list_devices(query: Annotated[DeviceFilter, Query()], who: Principal = require(P.NETWORK_READ)) -> Page[DeviceOut]:
    stmt = select(AcsDevice).outerjoin(Onu, Onu.id == AcsDevice.onu_id)
    if who.olt_ids is not None:
        stmt = visible_only(stmt, who, Onu.olt_id)
    if query.serial:
        stmt = stmt.where(AcsDevice.serial.contains(query.serial, autoescape=True))
    if query.linked is not None:
        stmt = stmt.where(AcsDevice.onu_id.is_not(None) if query.linked else AcsDevice.onu_id.is_(None))
    with session_scope() as session:
        return page_of(session, stmt, query, DeviceOut.model_validate, order_by=[AcsDevice.id])


@router.post("/acs/events", response_model=IngestOut, status_code=202,
             responses={401: {"description": "no valid ACS event token"}})
def device_events(body: InformsIn, authorization: Annotated[str | None, Header(max_length=1000)] = None,
                  _: Any = DEVICE_EVENTS) -> IngestOut:
    """Informs reported by the GenieACS extension, with the event token (`Bearer <token>`)."""
    url = current_database_url()
    with session_scope() as session:
        _check_event_token(session, authorization)
        now = datetime.now(UTC)
        report = ingest(session, [
            InformEvent(device_id=i.device_id, serial=i.serial, events=tuple(i.events), at=i.at or now,
                        oui=i.oui, product_class=i.product_class) for i in body.informs])
    if report.intents_due:
        kick_dispatcher(url)
    return IngestOut(events=report.events, linked=report.linked, intents_due=report.intents_due)


def _check_event_token(session: Session, authorization: str | None) -> None:
    expected = session.scalar(select(AcsSettings.event_token_digest).where(AcsSettings.id == 1))
    scheme, _, token = (authorization or "").partition(" ")
    if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(digest(token.strip()), expected):
        raise NotAuthenticated("a valid ACS event token is required (System Settings → ACS → event token)")


# --- campaigns ----------------------------------------------------------------------------
@router.post("/acs/campaigns", response_model=CampaignOut, status_code=201)
def create_campaign(body: CampaignIn, who: Principal = require(P.ONU_PROVISION, P.ONU_CONFIGURE)) -> CampaignOut:
    desired, secrets = validated(body.kind, body.values)
    with session_scope() as session:
        visible = set(session.scalars(visible_only(select(Onu.id).where(Onu.id.in_(body.onu_ids)), who, Onu.olt_id)))
        missing = [i for i in body.onu_ids if i not in visible]
        if missing:
            raise FieldErrors("unknown ONUs", [{"loc": ["body", "onu_ids"], "type": "missing",
                                                "msg": f"no such ONU: {', '.join(map(str, missing[:20]))}"}])
        campaign = AcsCampaign(name=body.name, kind=body.kind, desired=desired,
                               secrets=json.dumps(secrets) if secrets else None, onu_ids=body.onu_ids,
                               canary_share=body.canary_share, concurrency=body.concurrency,
                               halt_fault_rate=body.halt_fault_rate, window_start=body.window_start,
                               window_end=body.window_end, requested_by=who.username)
        session.add(campaign)
        session.flush()
        audit(session, who.username, "acs.campaign.create", "acs_campaign", campaign.id, None,
              {**body.model_dump(exclude={"values", "onu_ids"}), "desired": desired, "secrets": sorted(secrets),
               "onus": len(body.onu_ids)}, request_id=who.request_id)
        return _campaign_out(session, campaign)


@router.get("/acs/campaigns", response_model=list[CampaignOut])
def list_campaigns(who: Principal = require(P.NETWORK_READ)) -> list[CampaignOut]:
    with session_scope() as session:
        rows = session.scalars(select(AcsCampaign).order_by(AcsCampaign.id.desc()).limit(200))
        return [_campaign_out(session, c) for c in rows]


@router.get("/acs/campaigns/{campaign_id}", response_model=CampaignOut)
def get_campaign(campaign_id: int, who: Principal = require(P.NETWORK_READ)) -> CampaignOut:
    with session_scope() as session:
        return _campaign_out(session, get_or_404(session, AcsCampaign, campaign_id, "campaign"))


@router.post("/acs/campaigns/{campaign_id}/{action}", response_model=CampaignOut)
def change_campaign(campaign_id: int, action: str, who: Principal = require(P.ONU_PROVISION)) -> CampaignOut:
    """`pause`, `resume` (also of a halted campaign, after looking at its faults) or `cancel`."""
    moves = {"pause": ({"running"}, "paused"), "resume": ({"paused", "halted"}, "running"),
             "cancel": ({"running", "paused", "halted"}, "cancelled")}
    if action not in moves:
        raise Invalid(f"unknown campaign action {action!r}: pause, resume or cancel")
    with session_scope() as session:
        campaign = get_or_404(session, AcsCampaign, campaign_id, "campaign", lock=True)
        allowed, target = moves[action]
        if campaign.status.value not in allowed:
            raise Conflict(f"campaign {campaign_id} is {campaign.status.value}: cannot {action}")
        before = campaign.status.value
        campaign.status = campaigns.CampaignStatus(target)
        audit(session, who.username, f"acs.campaign.{action}", "acs_campaign", campaign_id,
              {"status": before}, {"status": target}, request_id=who.request_id)
        return _campaign_out(session, campaign)


def _campaign_out(session: Session, campaign: AcsCampaign) -> CampaignOut:
    state = campaigns.progress(session, campaign)
    return CampaignOut(
        id=campaign.id, name=campaign.name, kind=campaign.kind, desired=campaign.desired, total=state.total,
        released=state.released, open=state.open, applied=state.applied, failed=state.failed,
        superseded=state.superseded, fault_rate=round(state.fault_rate, 4), canary_share=campaign.canary_share,
        concurrency=campaign.concurrency, halt_fault_rate=campaign.halt_fault_rate,
        window_start=campaign.window_start, window_end=campaign.window_end, status=campaign.status,
        halted_reason=campaign.halted_reason, requested_by=campaign.requested_by, created_at=campaign.created_at)


# --- settings -----------------------------------------------------------------------------
@router.get("/settings/acs", response_model=AcsSettingsOut, tags=["system settings"])
def get_acs_settings(who: Principal = require(P.SETTINGS_READ)) -> AcsSettingsOut:
    with session_scope() as session:
        return _settings_out(_acs_settings(session))


@router.put("/settings/acs", response_model=AcsSettingsOut, tags=["system settings"])
def put_acs_settings(body: AcsSettingsIn, who: Principal = require(P.SETTINGS_WRITE)) -> AcsSettingsOut:
    """A password or header set left out (null) keeps the stored one."""
    with session_scope() as session:
        settings = _acs_settings(session, lock=True)
        before = _settings_out(settings).model_dump(exclude={"warnings"})
        for name in ("nbi_url", "nbi_username", "connection_request_timeout_ms", "rate_per_second",
                     "reapply_drift", "max_attempts", "cwmp_url", "cwmp_username", "huawei_tr069_profile_id"):
            setattr(settings, name, getattr(body, name))
        if body.nbi_password is not None:
            settings.nbi_password = body.nbi_password.get_secret_value() or None
        if body.cwmp_password is not None:
            settings.cwmp_password = body.cwmp_password.get_secret_value()
        if body.nbi_headers is not None:
            settings.nbi_headers = json.dumps({h.name: h.value for h in body.nbi_headers}) if body.nbi_headers else None
        out = _settings_out(settings)
        audit(session, who.username, "acs.settings.update", "acs_settings", 1, before,
              out.model_dump(exclude={"warnings"}), request_id=who.request_id)
        return out


@router.post("/settings/acs/test", response_model=ConnectionTestOut, tags=["system settings"])
def test_acs_connection(who: Principal = require(P.SETTINGS_WRITE)) -> ConnectionTestOut:
    """Reach the NBI with the stored settings and say what answered."""
    with session_scope() as session:
        config = load_settings(session)
    try:
        with acs_client(config) as client:
            check = client.check()
    except (ValueError, httpx.InvalidURL) as exc:  # a host name httpx cannot use (IDNA, empty labels)
        return ConnectionTestOut(ok=False, detail=f"the NBI URL cannot be used: {exc}")
    return ConnectionTestOut(ok=check.ok, detail=check.text)


@router.post("/settings/acs/event-token", response_model=EventTokenOut, status_code=201, tags=["system settings"])
def new_event_token(who: Principal = require(P.SETTINGS_WRITE)) -> EventTokenOut:
    """A new token for the GenieACS extension; the previous one stops working."""
    token, _ = new_token()
    with session_scope() as session:
        _acs_settings(session, lock=True).event_token_digest = digest(token)
        audit(session, who.username, "acs.event_token.create", "acs_settings", 1, None, {"event_token": "new"},
              request_id=who.request_id)
    return EventTokenOut(token=token)


def _acs_settings(session: Session, lock: bool = False) -> AcsSettings:
    return get_or_404(session, AcsSettings, 1, "ACS settings", lock=lock)


def _settings_out(settings: AcsSettings) -> AcsSettingsOut:
    headers = json.loads(settings.nbi_headers) if settings.nbi_headers else {}
    return AcsSettingsOut(
        nbi_url=settings.nbi_url, nbi_username=settings.nbi_username, nbi_password_set=bool(settings.nbi_password),
        nbi_header_names=sorted(headers), connection_request_timeout_ms=settings.connection_request_timeout_ms,
        rate_per_second=settings.rate_per_second, reapply_drift=settings.reapply_drift,
        max_attempts=settings.max_attempts, event_token_set=bool(settings.event_token_digest),
        cwmp_url=settings.cwmp_url, cwmp_username=settings.cwmp_username,
        cwmp_password_set=bool(settings.cwmp_password), huawei_tr069_profile_id=settings.huawei_tr069_profile_id,
        warnings=nbi_warnings(settings.nbi_url, settings.nbi_username, headers),
    )


# --- TR-069 mappings ------------------------------------------------------------------------
@router.get("/settings/tr069-mappings", response_model=Page[MappingOut], tags=["system settings"])
def list_mappings(query: Annotated[MappingFilter, Query()],
                  who: Principal = require(P.SETTINGS_READ)) -> Page[MappingOut]:
    stmt = select(Tr069Mapping)
    if query.data_model is not None:
        stmt = stmt.where(Tr069Mapping.data_model == query.data_model)
    if query.kind is not None:
        stmt = stmt.where(Tr069Mapping.kind == query.kind.value)
    if query.vendor is not None:
        stmt = stmt.where(Tr069Mapping.vendor.ilike(query.vendor))
    with session_scope() as session:
        return page_of(session, stmt, query, MappingOut.model_validate, order_by=[Tr069Mapping.id])


@router.post("/settings/tr069-mappings", response_model=MappingOut, status_code=201, tags=["system settings"])
def create_mapping(body: MappingIn, who: Principal = require(P.SETTINGS_WRITE)) -> MappingOut:
    """A row for a new model or vendor (the most specific row for a field wins)."""
    _check_mapping(body)
    with session_scope() as session:
        row = Tr069Mapping(**_mapping_values(body), edited=True)
        session.add(row)
        session.flush()
        audit(session, who.username, "tr069_mapping.create", "tr069_mapping", row.id, None, body.model_dump(),
              request_id=who.request_id)
        return MappingOut.model_validate(row)


@router.put("/settings/tr069-mappings/{mapping_id}", response_model=MappingOut, tags=["system settings"])
def update_mapping(mapping_id: int, body: MappingIn, who: Principal = require(P.SETTINGS_WRITE)) -> MappingOut:
    _check_mapping(body)
    with session_scope() as session:
        row = get_or_404(session, Tr069Mapping, mapping_id, "TR-069 mapping", lock=True)
        before = MappingOut.model_validate(row).model_dump()
        for name, value in _mapping_values(body).items():
            setattr(row, name, value)
        row.edited = True
        session.flush()
        audit(session, who.username, "tr069_mapping.update", "tr069_mapping", mapping_id, before, body.model_dump(),
              request_id=who.request_id)
        return MappingOut.model_validate(row)


@router.delete("/settings/tr069-mappings/{mapping_id}", status_code=204, tags=["system settings"])
def delete_mapping(mapping_id: int, who: Principal = require(P.SETTINGS_WRITE)) -> None:
    with session_scope() as session:
        row = get_or_404(session, Tr069Mapping, mapping_id, "TR-069 mapping", lock=True)
        audit(session, who.username, "tr069_mapping.delete", "tr069_mapping", mapping_id,
              MappingOut.model_validate(row).model_dump(), None, request_id=who.request_id)
        session.delete(row)


def _mapping_values(body: MappingIn) -> dict[str, Any]:
    values = body.model_dump()
    values["kind"] = body.kind.value
    return values


def _check_mapping(body: MappingIn) -> None:
    errors = []
    try:
        re.compile(body.selector_match)
    except re.error as exc:
        errors.append({"loc": ["body", "selector_match"], "msg": f"not a regular expression: {exc}",
                       "type": "value_error"})
    if body.selector_param and "*" not in body.path:
        errors.append({"loc": ["body", "selector_param"], "type": "value_error",
                       "msg": "a selector chooses among instances: the path needs a * wildcard"})
    if not body.path.startswith("Device." if body.data_model.value == "tr181" else "InternetGatewayDevice."):
        errors.append({"loc": ["body", "path"], "type": "value_error",
                       "msg": f"a {body.data_model.value} path starts with "
                              f"{'Device.' if body.data_model.value == 'tr181' else 'InternetGatewayDevice.'}"})
    if errors:
        raise FieldErrors("invalid TR-069 mapping", errors)

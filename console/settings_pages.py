"""System Settings pages (`/console/settings...`): CLI templates (versions, diff, edit, preview),
SNMP OID maps, ACS settings and TR-069 mappings, and, for user managers, users, restriction
groups and API tokens.

Every page reads through the JSON API's own functions (so permissions, 404s and the shape of
what is shown are the API's) and offers only the actions the viewer's role may take; an
action is a form or a button for the existing JSON API, sent by console.js like every other
console action: template and OID-map edits and resets carry the version read
(`data-if-match`, sent as If-Match), answers are shown with `data-show` (a preview's
commands, a token shown once, a connection test's result), and checkbox lists send `[]` when
none is ticked (restriction groups and a user's groups are replaced as a whole).

Secrets are never read into a page: the ACS settings come as the API's `*_set` flags, tokens
as their prefixes, SNMP credentials not at all.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from acs import api as acs_api
from acs.models import DataModel, IntentKind, Tr069Mapping
from acs.schemas import MappingFilter, MappingOut
from console.web import Listing, list_window, render, viewer
from core import accounts
from core.access import Permission, Principal
from core.db import session_scope
from core.models import ApiToken, RestrictionGroup, Role, User, VendorFamily
from core.paging import PageQuery, count_of
from oms.api import snmp_settings
from oms.api import templates as templates_api
from oms.errors import NotFound
from oms.models import CliAction, Olt, Onu, Zone
from oms.monitoring import settings as snmp_service
from oms.scope import visible_only

router = APIRouter(include_in_schema=False)
P = Permission
BASE = "/console/settings"
#: the ONUs offered (as suggestions) for a template preview
PREVIEW_ONU_CHOICES = 100


@dataclass(frozen=True)
class Section:
    title: str
    href: str
    permission: Permission
    summary: str


SECTIONS = (
    Section("CLI templates", f"{BASE}/cli-templates", P.SETTINGS_READ,
            "the commands pushed to each OLT family, per action, with their versions"),
    Section("SNMP OID maps", f"{BASE}/snmp-oid-maps", P.SETTINGS_READ,
            "how each metric is read on each OLT family"),
    Section("ACS", f"{BASE}/acs", P.SETTINGS_READ, "the GenieACS NBI, the CWMP URL given to ONUs, the event token"),
    Section("TR-069 mappings", f"{BASE}/tr069-mappings", P.SETTINGS_READ,
            "which data-model parameter each ACS intent field writes, per vendor and model"),
    Section("Users", f"{BASE}/users", P.USERS_MANAGE, "accounts, their roles, restriction groups and activity"),
    Section("Restriction groups", f"{BASE}/restriction-groups", P.USERS_MANAGE,
            "zones and OLTs a restricted user may see and act on"),
    Section("API tokens", f"{BASE}/tokens", P.USERS_MANAGE, "every user's API tokens; create your own, revoke any"),
)


def _not_found(what: str) -> NotFound:
    return NotFound(f"{what} does not exist")


def _enum(kind: Any, value: str, what: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        raise _not_found(f"{what} {value!r}") from None


# --- index -------------------------------------------------------------------------------------


@router.get(BASE)
def settings_index(request: Request, who: Principal = viewer(P.SETTINGS_READ)) -> HTMLResponse:
    sections = [s for s in SECTIONS if who.can(s.permission)]
    return render(request, "settings_index.html", who, title="Settings", sections=sections)


# --- CLI templates -----------------------------------------------------------------------------


@router.get(f"{BASE}/cli-templates")
def cli_template_list(request: Request, family: str = "", who: Principal = viewer(P.SETTINGS_READ)) -> HTMLResponse:
    chosen = VendorFamily(family) if family in set(VendorFamily) else None
    rows = templates_api.list_cli_templates(templates_api.TemplateFilter(family=chosen), who)
    by_family: dict[str, list[Any]] = {}
    for row in rows:
        by_family.setdefault(row.family.value, []).append(row)
    return render(request, "settings_cli_templates.html", who, title="CLI templates", by_family=by_family,
                  families=[f.value for f in VendorFamily], family=chosen.value if chosen else "")


@dataclass(frozen=True)
class DiffLine:
    kind: str  # add, del, hunk, context, head
    text: str


def version_diff(old: str, new: str, old_label: str, new_label: str) -> list[DiffLine]:
    """A unified diff of two template bodies, line by line with its kind (for the page's colours)."""
    lines = []
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), old_label, new_label, lineterm="", n=3):
        if line.startswith(("---", "+++")):
            kind = "head"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "context"
        lines.append(DiffLine(kind, line))
    return lines


def _version_number(raw: str | None, known: set[int], what: str) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        number = int(raw)
    except ValueError:
        raise _not_found(f"{what} version {raw!r}") from None
    if number not in known:
        raise _not_found(f"{what} version {number}")
    return number


@router.get(f"{BASE}/cli-templates/{{family}}/{{action}}")
def cli_template_page(request: Request, family: str, action: str, a: str | None = None, b: str | None = None,
                      who: Principal = viewer(P.SETTINGS_READ)) -> HTMLResponse:
    vendor_family = _enum(VendorFamily, family, "vendor family")
    cli_action = _enum(CliAction, action, "CLI action")
    answer = Response()  # the API's read sets the ETag an edit sends back as If-Match
    detail = templates_api.get_cli_template(vendor_family, cli_action, answer, who)
    etag = answer.headers["ETag"]
    versions = templates_api.list_cli_template_versions(vendor_family, cli_action, who)
    with session_scope() as session:
        onus = _preview_onus(session, who, vendor_family)
    label = f"{vendor_family.value}/{cli_action.value}"
    body_of = {v.version: v.body for v in versions}
    old = _version_number(a, set(body_of), label)
    new = _version_number(b, set(body_of), label)
    numbers = sorted(body_of, reverse=True)
    if old is None and new is None and len(numbers) >= 2:
        old, new = numbers[1], numbers[0]
    diff: list[DiffLine] | None = None
    if old is not None and new is not None:
        diff = version_diff(body_of[old], body_of[new], f"version {old}", f"version {new}")
    return render(request, "settings_cli_template.html", who, title=f"CLI template {label}", t=detail, etag=etag,
                  versions=versions, diff=diff, a=old, b=new, onus=onus,
                  api=f"/settings/cli-templates/{vendor_family.value}/{cli_action.value}")


def _preview_onus(session: Any, who: Principal, family: VendorFamily) -> list[tuple[int, str, str]]:
    """Some ONUs of this family in the viewer's scope (id, serial, OLT), offered for a preview."""
    stmt: Any = (select(Onu.id, Onu.serial, Olt.name).join(Olt, Olt.id == Onu.olt_id)
            .where(Olt.family == family, Onu.pon_port_id.is_not(None)).order_by(Onu.id).limit(PREVIEW_ONU_CHOICES))
    return [(r[0], r[1], r[2]) for r in session.execute(visible_only(stmt, who, Onu.olt_id)).all()]


# --- SNMP OID maps -----------------------------------------------------------------------------


@router.get(f"{BASE}/snmp-oid-maps")
def oid_map_list(request: Request, who: Principal = viewer(P.SETTINGS_READ)) -> HTMLResponse:
    rows = snmp_settings.list_oid_maps(snmp_settings.OidMapFilter(), who)
    families: dict[str, dict[str, int]] = {f.value: {"rows": 0, "modified": 0, "disabled": 0} for f in VendorFamily}
    for row in rows:
        counts = families.setdefault(row.vendor_family.value, {"rows": 0, "modified": 0, "disabled": 0})
        counts["rows"] += 1
        counts["modified"] += int(row.modified)
        counts["disabled"] += int(not row.enabled)
    return render(request, "settings_oid_maps.html", who, title="SNMP OID maps", families=families)


@router.get(f"{BASE}/snmp-oid-maps/{{family}}")
def oid_map_page(request: Request, family: str, who: Principal = viewer(P.SETTINGS_READ)) -> HTMLResponse:
    vendor_family = _enum(VendorFamily, family, "OID map of family")
    with session_scope() as session:
        rows = snmp_service.list_oid_maps(session, vendor_family, None, None)
        entries = [{"out": snmp_settings._map_out(row), "etag": snmp_service.oid_map_etag(row),
                    "default": snmp_service.default_for(vendor_family.value, row.metric.value)} for row in rows]
    return render(request, "settings_oid_map.html", who, title=f"SNMP OID map {vendor_family.value}",
                  family=vendor_family.value, entries=entries)


# --- ACS and TR-069 mappings -------------------------------------------------------------------


@router.get(f"{BASE}/acs")
def acs_page(request: Request, who: Principal = viewer(P.SETTINGS_READ)) -> HTMLResponse:
    settings = acs_api.get_acs_settings(who)  # secrets only as *_set flags
    return render(request, "settings_acs.html", who, title="ACS settings", s=settings)


MAPPING_SORTS = ("id",)


@router.get(f"{BASE}/tr069-mappings")
def mapping_list(request: Request, who: Principal = viewer(P.SETTINGS_READ)) -> HTMLResponse:
    query = request.query_params
    _, _, offset, limit = list_window(request, MAPPING_SORTS, "id")
    params = {"data_model": query.get("data_model", ""), "kind": query.get("kind", ""),
              "vendor": query.get("vendor", "")[:200]}
    page = acs_api.list_mappings(MappingFilter(
        limit=limit, offset=offset,
        data_model=DataModel(params["data_model"]) if params["data_model"] in set(DataModel) else None,
        kind=IntentKind(params["kind"]) if params["kind"] in set(IntentKind) else None,
        vendor=params["vendor"] or None), who)
    listing = Listing(f"{BASE}/tr069-mappings", params, "id", False, offset, limit, page.count, page.results,
                      page.count_is_estimate)
    return render(request, "settings_tr069_mappings.html", who, title="TR-069 mappings", listing=listing,
                  params=params, data_models=[d.value for d in DataModel], kinds=[k.value for k in IntentKind])


@router.get(f"{BASE}/tr069-mappings/{{mapping_id}}")
def mapping_page(request: Request, mapping_id: int, who: Principal = viewer(P.SETTINGS_READ)) -> HTMLResponse:
    with session_scope() as session:
        row = session.get(Tr069Mapping, mapping_id)
        if row is None:
            raise _not_found(f"TR-069 mapping {mapping_id}")
        mapping = MappingOut.model_validate(row)
    return render(request, "settings_tr069_mapping.html", who, title=f"TR-069 mapping {mapping_id}", m=mapping,
                  data_models=[d.value for d in DataModel], kinds=[k.value for k in IntentKind])


# --- users, restriction groups, tokens (USERS_MANAGE) ------------------------------------------


def _group_names() -> dict[int, str]:
    with session_scope() as session:
        return dict(session.execute(select(RestrictionGroup.id, RestrictionGroup.name)
                                    .order_by(RestrictionGroup.name)).all())


@router.get(f"{BASE}/users")
def user_list(request: Request, who: Principal = viewer(P.USERS_MANAGE)) -> HTMLResponse:
    _, _, offset, limit = list_window(request, ("id",), "id")
    q = request.query_params.get("q", "")[:200]
    role = request.query_params.get("role", "")
    role_filter = Role(role) if role in set(Role) else None
    role_param = role_filter.value if role_filter else ""
    page = accounts.users_page(accounts.UserFilter(limit=limit, offset=offset, q=q or None, role=role_filter))
    listing = Listing(f"{BASE}/users", {"q": q, "role": role_param}, "id", False, offset, limit, page.count,
                      page.results, page.count_is_estimate)
    return render(request, "settings_users.html", who, title="Users", listing=listing, q=q, role=role_param,
                  roles=[r.value for r in Role], groups=_group_names())


@router.get(f"{BASE}/users/{{user_id}}")
def user_page(request: Request, user_id: int, who: Principal = viewer(P.USERS_MANAGE)) -> HTMLResponse:
    with session_scope() as session:
        user = accounts.user_out(accounts.user_row(session, user_id))
    tokens = accounts.token_page(user_id, accounts.TokenFilter(limit=200, revoked=None))
    return render(request, "settings_user.html", who, title=f"User {user.username}", u=user, tokens=tokens.results,
                  tokens_rows=[(t, user.username) for t in tokens.results],
                  roles=[r.value for r in Role], groups=_group_names(), own=user.id == who.user_id)


@router.get(f"{BASE}/restriction-groups")
def group_list(request: Request, who: Principal = viewer(P.USERS_MANAGE)) -> HTMLResponse:
    _, _, offset, limit = list_window(request, ("id",), "id")
    page = accounts.groups_page(PageQuery(limit=limit, offset=offset))
    listing = Listing(f"{BASE}/restriction-groups", {}, "id", False, offset, limit, page.count, page.results,
                      page.count_is_estimate)
    zones, olts = _zones_and_olts()
    return render(request, "settings_groups.html", who, title="Restriction groups", listing=listing, zones=zones,
                  olts=olts)


def _zones_and_olts() -> tuple[dict[int, str], dict[int, str]]:
    with session_scope() as session:
        zones = dict(session.execute(select(Zone.id, Zone.name).order_by(Zone.name)).all())
        olts = dict(session.execute(select(Olt.id, Olt.name).order_by(Olt.name)).all())
    return zones, olts


@router.get(f"{BASE}/restriction-groups/{{group_id}}")
def group_page(request: Request, group_id: int, who: Principal = viewer(P.USERS_MANAGE)) -> HTMLResponse:
    with session_scope() as session:
        group = accounts.group_out(session, accounts.group_row(session, group_id))
    zones, olts = _zones_and_olts()
    with session_scope() as session:
        members = session.scalars(select(User.username).join(User.restriction_groups)
                                  .where(RestrictionGroup.id == group_id).order_by(User.username)).all()
    return render(request, "settings_group.html", who, title=f"Restriction group {group.name}", g=group,
                  zones=zones, olts=olts, members=members)


@router.get(f"{BASE}/tokens")
async def token_list(request: Request, who: Principal = viewer(P.USERS_MANAGE)) -> HTMLResponse:
    _, _, offset, limit = list_window(request, ("id",), "id")
    revoked = request.query_params.get("revoked", "")
    listing = await run_in_threadpool(_token_listing, offset, limit, revoked)
    return render(request, "settings_tokens.html", who, title="API tokens", listing=listing, revoked=revoked,
                  roles=[r.value for r in Role], groups=_group_names())


def _token_listing(offset: int, limit: int, revoked: str) -> Listing:
    """Every user's tokens (prefixes only: the plaintext was shown once, the digest never)."""
    stmt: Any = select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
    if revoked in ("true", "false"):
        stmt = stmt.where(ApiToken.revoked_at.is_not(None) if revoked == "true" else ApiToken.revoked_at.is_(None))
    with session_scope() as session:
        count, estimated = count_of(session, stmt)
        rows = [(accounts.TokenOut.model_validate(token), username) for token, username in
                session.execute(stmt.order_by(ApiToken.id.desc()).limit(limit).offset(offset)).all()]
    return Listing(f"{BASE}/tokens", {"revoked": revoked}, "id", True, offset, limit, count, rows, estimated)


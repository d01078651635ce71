"""`PonstackInventory`: one Nornir host per OLT, grouped by vendor, family, model and zone.

ONUs are not hosts (a CLI session is per OLT); tasks read the ONUs they act on
from the database using `host.data["olt_id"]`. Loading runs one query for the
OLTs (joined with vendor, zone and site) regardless of the number of hosts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from nornir.core.inventory import (
    ConnectionOptions,
    Defaults,
    Group,
    Groups,
    Host,
    Hosts,
    Inventory,
    ParentGroups,
)
from sqlalchemy import Row, select

from core.db import current_database_url, session_scope
from core.models import Vendor
from oms.connection_options import options_for_olt, scrapli_extras
from oms.models import Olt, Site, Zone
from vendor_cli.registry import get_driver

CONNECTION_PLUGIN = "scrapli"


class PonstackInventory:
    """Nornir inventory plugin (entry point name: ``PonstackInventory``).

    Options: ``database_url`` (default: the process's database), ``olt_ids``,
    ``families``, ``zones`` (restrict what is loaded), ``include_inactive``.
    Loading raises oms.connection_options.InvalidConnectionOptions if a loaded OLT's
    stored connection options are outside the allowed set.
    """

    def __init__(
        self,
        database_url: str | None = None,
        olt_ids: Iterable[int] | None = None,
        families: Iterable[str] | None = None,
        zones: Iterable[str] | None = None,
        include_inactive: bool = False,
    ) -> None:
        self.database_url = database_url
        self.olt_ids = list(olt_ids) if olt_ids is not None else None
        self.families = list(families) if families is not None else None
        self.zones = list(zones) if zones is not None else None
        self.include_inactive = include_inactive

    def load(self) -> Inventory:
        rows = self._query()
        groups = Groups()
        hosts = Hosts()
        for row in rows:
            host = _host_from_row(row)
            host.groups = ParentGroups([_group(groups, name) for name in _group_names(row)])
            hosts[host.name] = host
        return Inventory(hosts=hosts, groups=groups, defaults=Defaults())

    def _query(self) -> list[Row[Any]]:
        stmt = (
            select(
                Olt.id, Olt.name, Olt.family, Olt.model, Olt.mgmt_host, Olt.cli_transport, Olt.cli_port,
                Olt.username, Olt.password, Olt.connection_options, Olt.is_active,
                Vendor.slug.label("vendor"), Zone.name.label("zone"), Site.name.label("site"),
            )
            .join(Vendor, Vendor.id == Olt.vendor_id)
            .outerjoin(Zone, Zone.id == Olt.zone_id)
            .outerjoin(Site, Site.id == Olt.site_id)
            .order_by(Olt.id)
        )
        if not self.include_inactive:
            stmt = stmt.where(Olt.is_active.is_(True))
        if self.olt_ids is not None:
            stmt = stmt.where(Olt.id.in_(self.olt_ids))
        if self.families is not None:
            stmt = stmt.where(Olt.family.in_(self.families))
        if self.zones is not None:
            stmt = stmt.where(Zone.name.in_(self.zones))
        with session_scope(self.database_url or current_database_url()) as session:
            return list(session.execute(stmt).all())


def _group_names(row: Row[Any]) -> list[str]:
    names = [f"vendor_{row.vendor}", f"family_{row.family.value}", f"model_{row.model}"]
    if row.zone:
        names.append(f"zone_{row.zone}")
    return names


def _group(groups: Groups, name: str) -> Group:
    if name not in groups:
        groups[name] = Group(name=name)
    return groups[name]


def _host_from_row(row: Row[Any]) -> Host:
    """The OLT's Nornir host. Its connection options reach scrapli only through the
    closed, typed set (oms.connection_options): a stored row outside it raises
    InvalidConnectionOptions naming the OLT and the key, so the inventory is not loaded
    and the OLT's job fails with that message (nothing is sent to scrapli)."""
    transport = row.cli_transport.value
    connection = options_for_olt(row.id, row.name, row.connection_options)
    options = get_driver(row.family).scrapli_options(transport)
    extras = scrapli_extras(connection, transport, options.get("extras", {}))
    return Host(
        name=row.name,
        hostname=row.mgmt_host,
        port=row.cli_port,
        username=row.username,
        password=row.password,
        platform=options["platform"],
        data={
            "olt_id": row.id,
            "family": row.family.value,
            "vendor": row.vendor,
            "model": row.model,
            "zone": row.zone,
            "site": row.site,
            "transport": transport,
            "active": row.is_active,
        },
        connection_options={
            CONNECTION_PLUGIN: ConnectionOptions(platform=options["platform"], port=row.cli_port, extras=extras)
        },
    )

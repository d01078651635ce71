"""The inventory plugin as a network engineer uses it: InitNornir by plugin name."""

from __future__ import annotations

from nornir import InitNornir
from nornir.core.filter import F
from sqlalchemy import event, select

from core.db import get_engine, session_scope
from core.models import Vendor, VendorFamily
from oms.models import Olt, Zone


def add_olts(url: str, count: int, family: VendorFamily = VendorFamily.HUAWEI_SMARTAX, zone: str | None = None) -> None:
    with session_scope(url) as session:
        vendor = session.execute(select(Vendor).where(Vendor.slug == family.value.split("_")[0])).scalar_one()
        zone_row = None
        if zone:
            zone_row = session.execute(select(Zone).where(Zone.name == zone)).scalar_one_or_none() or Zone(name=zone)
        start = session.query(Olt).count()
        for i in range(count):
            session.add(Olt(name=f"OLT-{family.value}-{start + i}", vendor_id=vendor.id, family=family,
                            model="MA5800-X7" if family is VendorFamily.HUAWEI_SMARTAX else "C320",
                            mgmt_host=f"10.0.{i // 250}.{i % 250 + 1}", cli_port=22, username="noc",
                            password=f"secret-{i}", zone=zone_row))


def nornir(url: str, **options: object):  # type: ignore[no-untyped-def]
    return InitNornir(inventory={"plugin": "PonstackInventory", "options": {"database_url": url, **options}},
                      logging={"enabled": False})


def test_hosts_groups_and_data(db_url: str) -> None:
    add_olts(db_url, 2, zone="north")
    add_olts(db_url, 1, VendorFamily.ZTE_C3XX)
    nr = nornir(db_url)
    assert len(nr.inventory.hosts) == 3
    host = nr.inventory.hosts["OLT-huawei_smartax-0"]
    assert host.hostname == "10.0.0.1" and host.port == 22 and host.username == "noc"
    assert host.password == "secret-0", "credentials are decrypted for the connection"
    assert host.platform == "huawei_smartax"
    assert {"vendor_huawei", "family_huawei_smartax", "model_MA5800-X7", "zone_north"} <= {g.name for g in host.groups}
    assert host.data["olt_id"] > 0 and host.data["family"] == "huawei_smartax"
    zte = nr.filter(F(groups__contains="family_zte_c3xx"))
    assert list(zte.inventory.hosts) == ["OLT-zte_c3xx-2"]
    assert zte.inventory.hosts["OLT-zte_c3xx-2"].get_connection_parameters("scrapli").platform == "generic"
    assert len(nr.filter(zone="north").inventory.hosts) == 2


def test_options_restrict_what_is_loaded(db_url: str) -> None:
    add_olts(db_url, 3)
    add_olts(db_url, 2, VendorFamily.ZTE_C6XX)
    assert len(nornir(db_url, families=["zte_c6xx"]).inventory.hosts) == 2
    with session_scope(db_url) as session:
        first = session.execute(select(Olt).order_by(Olt.id)).scalars().first()
        first.is_active = False
        first_id = first.id
    assert len(nornir(db_url).inventory.hosts) == 4, "inactive OLTs are left out"
    assert len(nornir(db_url, olt_ids=[first_id], include_inactive=True).inventory.hosts) == 1


def test_one_query_whatever_the_number_of_olts(db_url: str) -> None:
    add_olts(db_url, 40)
    statements: list[str] = []
    engine = get_engine(db_url)

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        nornir(db_url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len([s for s in statements if "FROM olts" in s]) == 1
    assert len(statements) == 1


def test_stored_passwords_are_encrypted(db_url: str) -> None:
    add_olts(db_url, 1)
    with get_engine(db_url).connect() as conn:
        stored = conn.exec_driver_sql("SELECT password FROM olts").scalar_one()
    assert "secret-0" not in stored

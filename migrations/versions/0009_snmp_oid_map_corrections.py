"""snmp oid map corrections checked against the vendor MIBs

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 18:00:00

Corrects rows seeded by 0005 after a review against the vendor MIBs (HUAWEI-DEVICE-MIB,
ZTE-AN-PON-BASE-MIB, ZTE-AN-OPTICAL-MODULE-MIB, ZTE-AN-CHASSIS-MIB, ZXGPON-SERVICE-MIB):

- huawei_smartax/board_status: hwSlotOperStatus gets its MIB enum as value_map.
- zte_c3xx/onu_tx_power: .9 (an alarm interval) -> .14, the ONU Tx column; enabled.
- zte_c3xx/onu_olt_rx_power: .14 (the ONU Tx, with a wrong offset) -> zxAnPonRxOpticalPower,
  0.001 dBm, sentinels -80000/65535000; disabled until its C300 index is confirmed.
- zte_c6xx/onu_olt_rx_power: adds the 65535000 "N/A, not in service" sentinel.
- zte_c6xx/pon_port_tx_power: zxAnOpticalIfTxPwrCurrValue instead of the C300 1015 column.
- zte_c6xx/olt_cpu: zxAnCardCpuLoad of the C600 card table; enabled.

Each correction is frozen below as the columns it changes; the rest of the row is the
frozen 0005 row (migrations/data/0005_snmp_oid_maps.json), so this revision does the same
thing whatever the application code looks like later.

A row is updated only while it still equals its shipped 0005 value in every column: a row
an operator edited in System Settings is kept exactly as the operator left it (System
Settings' "reset to shipped default" gives them the corrected row). Downgrade puts the
0005 value back, again only on rows still equal to the corrected value.
"""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEED_FILE = Path(__file__).resolve().parents[1] / "data" / "0005_snmp_oid_maps.json"

oid_maps = sa.table(
    "snmp_oid_maps",
    sa.column("vendor_family", sa.String),
    sa.column("metric", sa.String),
    sa.column("poll_class", sa.String),
    sa.column("oid", sa.String),
    sa.column("index_format", sa.String),
    sa.column("value_type", sa.String),
    sa.column("scale", sa.Float),
    sa.column("offset", sa.Float),
    sa.column("sentinels", JSONB),
    sa.column("value_map", JSONB),
    sa.column("valid_min", sa.Float),
    sa.column("valid_max", sa.Float),
    sa.column("source", sa.Text),
    sa.column("enabled", sa.Boolean),
)
COLUMNS = [c.name for c in oid_maps.columns]

# (vendor_family, metric, {column: corrected value}); unlisted columns keep their 0005 value.
CORRECTIONS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "huawei_smartax",
        "board_status",
        {
            "source": "HUAWEI-DEVICE-MIB hwSlotOperStatus (hwSlotEntry 8, 1.3.6.1.4.1.2011.6.3.3.2.1.8), INDEX "
            "{hwFrameIndex, hwSlotIndex}, SYNTAX INTEGER null(1) normal(2) fault(3) forbidden(4) "
            "autofind(5) config(6) offline(7) abnormal(8) versionerr(9) autoload(10) outofservice(11) "
            "graceful(12) shutdown(13) energysavingshutdown(14) hightempshutdown(15) manualshutdown(16) "
            "mismatch(17) acoffshutdown(18) highpowershutdown(19) isolated(20) (librenms/librenms "
            "mibs/huawei/HUAWEI-DEVICE-MIB V5.38 @ 00a6ceb9) [A]; column polled by public Erlang/shell OLT "
            "pollers [B].",
            "value_map": {
                "1": "null",
                "10": "autoload",
                "11": "out_of_service",
                "12": "graceful",
                "13": "shutdown",
                "14": "energy_saving_shutdown",
                "15": "high_temp_shutdown",
                "16": "manual_shutdown",
                "17": "mismatch",
                "18": "ac_off_shutdown",
                "19": "high_power_shutdown",
                "2": "normal",
                "20": "isolated",
                "3": "fault",
                "4": "forbidden",
                "5": "autofind",
                "6": "config",
                "7": "offline",
                "8": "abnormal",
                "9": "version_error",
            },
        },
    ),
    (
        "zte_c3xx",
        "onu_tx_power",
        {
            "enabled": True,
            "oid": "1.3.6.1.4.1.3902.1012.3.50.12.1.1.14",
            "source": "ONU Tx: column .14 of the 1012.3.50.12.1.1 ONU optical table, which ZXGPON-SERVICE-MIB names "
            "the ONU transmit power (not .9, an alarm interval) [A per MIB review; MIB text not re-read "
            "here]. Same encoding as the .10 Rx column, dBm = raw*0.002-30 (goc320 OnuTxPowerPrefix "
            ".3.50.12.1.1.14, public PHP pollers decoding .14 as ONU Tx with *0.002-30) [B]; 65535 = N/A, 0 "
            "= no reading.",
        },
    ),
    (
        "zte_c3xx",
        "onu_olt_rx_power",
        {
            "enabled": False,
            "index_format": "zte_gpon_onu",
            "offset": 0.0,
            "oid": "1.3.6.1.4.1.3902.1082.500.1.2.4.2.1.2",
            "scale": 0.001,
            "sentinels": [-80000, 65535000],
            "source": "OLT-side Rx of the ONU: ZTE-AN-PON-BASE-MIB zxAnPonRxOpticalPower (zxAnPonRxOpticalPowerEntry "
            "2, 1.3.6.1.4.1.3902.1082.500.1.2.4.2.1.2), 'Received optical power on OLT side from ONU', "
            'INDEX {ifIndex, zxAnPonOnuIndex}, UNITS "0.001 dBm", "65535000 means N/A, ONU is not in '
            'service. -80000 means no signal received." (librenms/librenms mibs/zte/ZTE-AN-PON-BASE-MIB @ '
            "fc223282, zxAnPon = 1082.500 in mibs/zte/ZTE-AN-SMI) [A]. On C300/C320 the table is indexed by "
            "the IF-MIB ifIndex (0-based slot/port, as zte_if_port), not the 1012 ponIfIndex this index "
            "format decodes, and no public C300 walk confirms it [C]: disabled until checked against `show "
            "pon power olt-rx`. (The old .14 column is the ONU Tx.)",
        },
    ),
    (
        "zte_c6xx",
        "onu_olt_rx_power",
        {
            "sentinels": [-80000, 65535000],
            "source": "OLT-side Rx of the ONU: ZTE-AN-PON-BASE-MIB zxAnPonRxOpticalPower (zxAnPonRxOpticalPowerEntry "
            "2, 1.3.6.1.4.1.3902.1082.500.1.2.4.2.1.2), 'Received optical power on OLT side from ONU', "
            'INDEX {ifIndex, zxAnPonOnuIndex}, UNITS "0.001 dBm", "65535000 means N/A, ONU is not in '
            'service. -80000 means no signal received." (librenms/librenms mibs/zte/ZTE-AN-PON-BASE-MIB @ '
            "fc223282, zxAnPon = 1082.500 in mibs/zte/ZTE-AN-SMI) [A]. Same column read by LibreNMS zxa10 "
            "dbm sensors and by php-olt on a live C600 (ifIndex.onuId) [B].",
        },
    ),
    (
        "zte_c6xx",
        "pon_port_tx_power",
        {
            "index_format": "zte_c600_gpon_port",
            "oid": "1.3.6.1.4.1.3902.1082.30.40.2.4.1.3",
            "sentinels": [2147483647],
            "source": "ZTE-AN-OPTICAL-MODULE-MIB zxAnOpticalIfTxPwrCurrValue (zxAnOpticalModuleInfoEntry 3, "
            '1.3.6.1.4.1.3902.1082.30.40.2.4.1.3), INDEX {ifIndex}, UNITS "0.001dBm", \'The optical power '
            "monitored at the output.' (librenms/librenms mibs/zte/ZTE-AN-OPTICAL-MODULE-MIB @ 15f945c0) "
            "[A]; 2147483647 = no module/reading (LibreNMS zxa10 skips it in the twin Rx column) [B]. Not "
            "walked on a live C600 yet [C]: disabled.",
        },
    ),
    (
        "zte_c6xx",
        "olt_cpu",
        {
            "enabled": True,
            "oid": "1.3.6.1.4.1.3902.1082.10.1.2.4.1.9",
            "source": "ZTE-AN-CHASSIS-MIB zxAnCardCpuLoad (zxAnCardEntry 9, 1.3.6.1.4.1.3902.1082.10.1.2.4.1.9), "
            'Integer32 (0..100) UNITS "percent", INDEX {zxAnRack, zxAnShelf, zxAnSlot} (pysmi-compiled '
            "ZTE-AN-CHASSIS-MIB; LibreNMS ships it as mibs/zte/ZTE-AN-CHASSIS-MIB) [A]; same card table as "
            "the C600 board_status column php-olt verified live [B]. The OLT figure is the busiest card.",
        },
    ),
]


def shipped_0005() -> dict[tuple[str, str], dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    return {(row["vendor_family"], row["metric"]): row for row in rows}


def corrected_rows() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(0005 row, corrected row) for every correction."""
    old = shipped_0005()
    return [(old[(family, metric)], {**old[(family, metric)], **changes}) for family, metric, changes in CORRECTIONS]


def _replace_if_unchanged(conn: sa.engine.Connection, expected: dict[str, Any], new: dict[str, Any]) -> None:
    key = (oid_maps.c.vendor_family == expected["vendor_family"], oid_maps.c.metric == expected["metric"])
    current = conn.execute(sa.select(*oid_maps.columns).where(*key)).mappings().first()
    if current is None or any(current[name] != expected[name] for name in COLUMNS):
        return  # deleted or edited by an operator: left as it is
    conn.execute(oid_maps.update().where(*key).values(**{name: new[name] for name in COLUMNS}))


def upgrade() -> None:
    conn = op.get_bind()
    for old, new in corrected_rows():
        _replace_if_unchanged(conn, old, new)


def downgrade() -> None:
    conn = op.get_bind()
    for old, new in corrected_rows():
        _replace_if_unchanged(conn, new, old)

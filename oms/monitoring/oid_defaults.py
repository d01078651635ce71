"""Seeded OID maps: one row per (vendor family, metric), editable later in System Settings.

Confidence tags as in shared/reference/vendor-cli-and-snmp.md: [A] vendor doc / widely used
library or template, [B] one public project tested on a device, [C] unverified or conflicting.
Rows whose only source is [C] guesswork are seeded with enabled=False: the operator turns them
on after checking one walk against the CLI. Repositories cited:
  NOC       nocproject/noc @ 9c98211a (sa/profiles/Huawei/MA5600T)
  nano      nanoncore/nano-southbound @ 0e4e305c vendors/huawei/snmp_oids.go
  LibreNMS  librenms/librenms includes/discovery/{processors,sensors/temperature}/smartax
  zbx-c320  zabbix/community-templates @ 867e1127 Applications/template_olt_zte_c320/5.4/README.md
  zbx-onu   zabbix/community-templates Network_Devices/template_zte-c320 and template_lld_olt_zte
  goc320    s4lfanet/go-api-c320 @ 67934c8a (ZTE_C320_V21_OID_MAPPING.md, internal/utils/extractor.go)
  php-olt   public PHP SNMP client `App\\Services\\Snmp\\OltSnmpClient` (repository not identified by the
            code index; C300/C320/C600 OIDs "verified live" per its comments, C600 = ZXA10 C600 V1.2.2)
  xel       xeleniumz/zte-libraries-php onu.php
  lnms-mib  librenms/librenms mibs/ (vendor MIB text): mibs/zte/ZTE-AN-PON-BASE-MIB @ fc223282,
            mibs/zte/ZTE-AN-SMI @ accac7bd, mibs/zte/ZTE-AN-OPTICAL-MODULE-MIB @ 15f945c0,
            mibs/huawei/HUAWEI-DEVICE-MIB V5.38 @ 00a6ceb9
Rows corrected after 0005 are changed on existing installs by migration 0009.
"""

from __future__ import annotations

from typing import Any

HUAWEI = "huawei_smartax"
ZTE_C3XX = "zte_c3xx"
ZTE_C6XX = "zte_c6xx"

IF_OPER_STATUS = "1.3.6.1.2.1.2.2.1.8"
IF_OPER_STATUS_MAP = {
    "1": "up",
    "2": "down",
    "3": "unknown",
    "4": "unknown",
    "5": "down",
    "6": "down",
    "7": "down",
}
HW_NO_VALUE = 2147483647  # Huawei: no reading (offline ONT, absent sensor)
ZTE_NO_VALUE = 65535  # ZTE 16-bit optical columns: "N/A"
ZTE_NO_MODULE = 2147483647  # ZTE optical-module columns: no module / no reading (LibreNMS zxa10)

ZTE_CARD_STATUS_MAP = {
    "1": "in_service",
    "2": "not_in_service",
    "3": "hw_online",
    "4": "hw_offline",
    "5": "configuring",
    "6": "config_failed",
    "7": "type_mismatch",
    "8": "deactivated",
    "9": "faulty",
    "10": "invalid",
    "11": "no_power",
    "12": "unauthorized",
    "13": "admin_down",
    "34": "power_saving",
}

# HUAWEI-DEVICE-MIB hwSlotOperStatus (1.3.6.1.4.1.2011.6.3.3.2.1.8) SYNTAX INTEGER, V5.38
HW_SLOT_OPER_STATUS_MAP = {
    "1": "null",
    "2": "normal",
    "3": "fault",
    "4": "forbidden",
    "5": "autofind",
    "6": "config",
    "7": "offline",
    "8": "abnormal",
    "9": "version_error",
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
    "20": "isolated",
}


def _row(
    family: str,
    metric: str,
    poll_class: str,
    oid: str,
    index_format: str,
    value_type: str,
    source: str,
    **extra: Any,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "vendor_family": family,
        "metric": metric,
        "poll_class": poll_class,
        "oid": oid,
        "index_format": index_format,
        "value_type": value_type,
        "scale": 1.0,
        "offset": 0.0,
        "sentinels": [],
        "value_map": {},
        "valid_min": None,
        "valid_max": None,
        "source": source,
        "enabled": True,
    }
    row.update(extra)
    return row


HW_ONT = "1.3.6.1.4.1.2011.6.128.1.1.2"

_HUAWEI = [
    _row(
        HUAWEI,
        "onu_status",
        "status",
        f"{HW_ONT}.46.1.15",
        "huawei_gpon_onu",
        "enum",
        "hwGponDeviceOntControlRunStatus: NOC get_cpe_status maps 1 -> online, anything else -> offline [A]. "
        "Huawei does not tell LOS from dying-gasp here: the store refines 'offline' with the last "
        "down cause.",
        value_map={"1": "online", "2": "offline"},
        sentinels=[-1],
    ),
    _row(
        HUAWEI,
        "onu_rx_power",
        "optical",
        f"{HW_ONT}.51.1.4",
        "huawei_gpon_onu",
        "int",
        "hwGponOntOpticalDdmRxPower, 0.01 dBm, 2147483647 = offline/no reading (NOC scale(0.01), nano) [A]",
        scale=0.01,
        sentinels=[HW_NO_VALUE],
        valid_min=-50.0,
        valid_max=10.0,
    ),
    _row(
        HUAWEI,
        "onu_tx_power",
        "optical",
        f"{HW_ONT}.51.1.3",
        "huawei_gpon_onu",
        "int",
        "hwGponOntOpticalDdmTxPower, 0.01 dBm, 2147483647 = no reading (NOC, nano) [A]",
        scale=0.01,
        sentinels=[HW_NO_VALUE],
        valid_min=-10.0,
        valid_max=10.0,
    ),
    _row(
        HUAWEI,
        "onu_olt_rx_power",
        "optical",
        f"{HW_ONT}.51.1.6",
        "huawei_gpon_onu",
        "int",
        "hwGponOntOpticalDdmOltRxOntPower: (raw-10000)*0.01 dBm = raw*0.01-100 (nano ConvertOltRxPower) [B]",
        scale=0.01,
        offset=-100.0,
        sentinels=[HW_NO_VALUE],
        valid_min=-50.0,
        valid_max=10.0,
    ),
    _row(
        HUAWEI,
        "onu_distance",
        "optical",
        f"{HW_ONT}.46.1.20",
        "huawei_gpon_onu",
        "int",
        "hwGponDeviceOntControlRanging, metres (name [A] from NOC cmibs, unit [C]). Not 43.1.12 as nano "
        "says: NOC's compiled MIB names that hwGponDeviceOntPGMemberRole, so we follow NOC.",
        sentinels=[-1, HW_NO_VALUE],
        valid_min=0.0,
        valid_max=60000.0,
    ),
    _row(
        HUAWEI,
        "onu_last_down_cause",
        "status",
        f"{HW_ONT}.46.1.24",
        "huawei_gpon_onu",
        "enum",
        "hwGponDeviceOntControlLastDownCause. 2 = LOS(i) and 13 = dying-gasp, -1 = none come from public "
        "Python tooling walking this column [B]; the other codes follow the HUAWEI-XPON-MIB description "
        "as commonly quoted [C].",
        sentinels=[-1],
        value_map={
            "1": "los",
            "2": "losi_lobi",
            "3": "lofi",
            "4": "sfi",
            "5": "loai",
            "6": "loami",
            "7": "deactivate_failed",
            "8": "deactivated",
            "9": "reset",
            "10": "re_register",
            "11": "popup_test_failed",
            "12": "auth_failed",
            "13": "dying_gasp",
            "15": "loki",
            "18": "deactivated_ring",
            "30": "optical_module_shutdown",
            "31": "reset_by_ont_command",
            "32": "reset_by_button",
            "33": "reset_by_ont_software",
            "34": "deactivated_broadcast_attack",
            "35": "operator_check_failed",
            "37": "rogue_ont",
        },
    ),
    _row(
        HUAWEI,
        "onu_serial",
        "inventory",
        f"{HW_ONT}.43.1.3",
        "huawei_gpon_onu",
        "serial",
        "hwGponDeviceOntSn, 8-byte OCTET STRING: 4 ASCII vendor + 4 binary "
        "(NOC render_bin, nano DecodeHexSerial) [A]",
    ),
    _row(
        HUAWEI,
        "onu_description",
        "inventory",
        f"{HW_ONT}.43.1.9",
        "huawei_gpon_onu",
        "string",
        "hwGponDeviceOntDespt (NOC cmibs) [A]",
    ),
    _row(
        HUAWEI,
        "pon_port_status",
        "status",
        IF_OPER_STATUS,
        "huawei_gpon_port",
        "enum",
        "IF-MIB ifOperStatus on the GPON ifIndex (RFC 2863; ifType 250 gpon in NOC gpon_ports.py) [A]. "
        "Non-GPON interfaces in the walk are skipped as foreign indexes.",
        value_map=IF_OPER_STATUS_MAP,
    ),
    _row(
        HUAWEI,
        "pon_port_tx_power",
        "optical",
        f"{HW_ONT}.23.1.4",
        "huawei_gpon_port",
        "int",
        "hwGponOltOpticsDdmInfoTxPower: OID [A] (nano, NOC); 0.01 dBm scale assumed like the ONT DDM "
        "columns [C]; the plausible range rejects a wrong scale instead of storing nonsense.",
        scale=0.01,
        sentinels=[HW_NO_VALUE],
        valid_min=-10.0,
        valid_max=15.0,
    ),
    _row(
        HUAWEI,
        "olt_cpu",
        "status",
        "1.3.6.1.4.1.2011.2.6.7.1.1.2.1.5",
        "frame_slot",
        "int",
        "hwMusaBoardCpuRate per board, index frame.slot (LibreNMS smartax processors walk .5.0) [A]; "
        "the OLT figure is the busiest board.",
        sentinels=[-1, HW_NO_VALUE],
        valid_min=0.0,
        valid_max=100.0,
    ),
    _row(
        HUAWEI,
        "olt_temperature",
        "status",
        "1.3.6.1.4.1.2011.2.6.7.1.1.2.1.10",
        "frame_slot",
        "int",
        "hwMusaBoardTemperature per board, degC (LibreNMS smartax temperature) [A]; 2147483647 = board "
        "without sensor (public Python tooling) [B]. The OLT figure is the hottest board.",
        sentinels=[HW_NO_VALUE],
        valid_min=-20.0,
        valid_max=120.0,
    ),
    _row(
        HUAWEI,
        "board_status",
        "inventory",
        "1.3.6.1.4.1.2011.6.3.3.2.1.8",
        "frame_slot",
        "enum",
        "HUAWEI-DEVICE-MIB hwSlotOperStatus (hwSlotEntry 8, 1.3.6.1.4.1.2011.6.3.3.2.1.8), INDEX "
        "{hwFrameIndex, hwSlotIndex}, SYNTAX INTEGER null(1) normal(2) fault(3) forbidden(4) autofind(5) "
        "config(6) offline(7) abnormal(8) versionerr(9) autoload(10) outofservice(11) graceful(12) "
        "shutdown(13) energysavingshutdown(14) hightempshutdown(15) manualshutdown(16) mismatch(17) "
        "acoffshutdown(18) highpowershutdown(19) isolated(20) (librenms/librenms "
        "mibs/huawei/HUAWEI-DEVICE-MIB V5.38 @ 00a6ceb9) [A]; column polled by public Erlang/shell OLT "
        "pollers [B].",
        value_map=HW_SLOT_OPER_STATUS_MAP,
        enabled=True,
    ),
]

ZTE_GPON = "1.3.6.1.4.1.3902.1012.3"

# ZTE-AN-PON-BASE-MIB zxAnPonRxOpticalPower: zxAnPon(1082.500).zxAnPonBaseMib(1).zxAnPonBaseObjects(2)
# .zxAnPonOamObjects(4).zxAnPonRxOpticalPowerTable(2).entry(1).column(2)
ZTE_PON_RX_OPTICAL_POWER = "1.3.6.1.4.1.3902.1082.500.1.2.4.2.1.2"
ZTE_RX_NO_SIGNAL = -80000  # zxAnPonRxOpticalPower: "-80000 means no signal received."
ZTE_RX_NOT_IN_SERVICE = 65535000  # zxAnPonRxOpticalPower: "65535000 means N/A, ONU is not in service."
ZTE_PON_RX_SOURCE = (
    "OLT-side Rx of the ONU: ZTE-AN-PON-BASE-MIB zxAnPonRxOpticalPower (zxAnPonRxOpticalPowerEntry 2, "
    "1.3.6.1.4.1.3902.1082.500.1.2.4.2.1.2), 'Received optical power on OLT side from ONU', INDEX "
    "{ifIndex, zxAnPonOnuIndex}, UNITS \"0.001 dBm\", \"65535000 means N/A, ONU is not in service. -80000 "
    "means no signal received.\" (librenms/librenms mibs/zte/ZTE-AN-PON-BASE-MIB @ fc223282, zxAnPon = "
    "1082.500 in mibs/zte/ZTE-AN-SMI) [A]."
)

_ZTE_C3XX = [
    _row(
        ZTE_C3XX,
        "onu_status",
        "status",
        f"{ZTE_GPON}.28.2.1.4",
        "zte_gpon_onu",
        "enum",
        "zxGponOntPhaseState. Public sources disagree on the enum [C]: php-olt (verified on C300/C320) "
        "decodes 0 logging, 1 LOS, 2 syncMib, 3 working, 4 dyingGasp, 5 authFailed, 6 offline, and xel "
        "agrees (1 Lost, 3 Online, 4 Dying Gasp, 6 Offline); others use the 1-based enum of the newer "
        "1082 state table. We chose the 0-based enum (two agreeing sources, one tested).",
        value_map={
            "0": "offline",
            "1": "los",
            "2": "online",
            "3": "online",
            "4": "dying_gasp",
            "5": "offline",
            "6": "offline",
        },
    ),
    _row(
        ZTE_C3XX,
        "onu_rx_power",
        "optical",
        f"{ZTE_GPON}.50.12.1.1.10",
        "zte_gpon_onu_ani1",
        "int",
        "ONU Rx, index ponIfIndex.onuId.1, dBm = raw*0.002-30 (zbx-onu calculated item; goc320 "
        "ConvertAndMultiply) [A]; 65535 = N/A (php-olt) [B]; raw 0 would read -30 dBm and means no "
        "reading. Raws above 32767 are two's-complement signals below -30 dBm (php-olt): the range "
        "check drops them as 'no reading'.",
        scale=0.002,
        offset=-30.0,
        sentinels=[0, ZTE_NO_VALUE],
        valid_min=-30.0,
        valid_max=10.0,
    ),
    _row(
        ZTE_C3XX,
        "onu_tx_power",
        "optical",
        f"{ZTE_GPON}.50.12.1.1.14",
        "zte_gpon_onu_ani1",
        "int",
        "ONU Tx: column .14 of the 1012.3.50.12.1.1 ONU optical table, which ZXGPON-SERVICE-MIB names the "
        "ONU transmit power (not .9, an alarm interval) [A per MIB review; MIB text not re-read here]. "
        "Same encoding as the .10 Rx column, dBm = raw*0.002-30 (goc320 OnuTxPowerPrefix .3.50.12.1.1.14, "
        "public PHP pollers decoding .14 as ONU Tx with *0.002-30) [B]; 65535 = N/A, 0 = no reading.",
        scale=0.002,
        offset=-30.0,
        sentinels=[0, ZTE_NO_VALUE],
        valid_min=-10.0,
        valid_max=10.0,
    ),
    _row(
        ZTE_C3XX,
        "onu_olt_rx_power",
        "optical",
        ZTE_PON_RX_OPTICAL_POWER,
        "zte_gpon_onu",
        "int",
        ZTE_PON_RX_SOURCE
        + " On C300/C320 the table is indexed by the IF-MIB ifIndex (0-based slot/port, as zte_if_port), "
        "not the 1012 ponIfIndex this index format decodes, and no public C300 walk confirms it [C]: "
        "disabled until checked against `show pon power olt-rx`. (The old .14 column is the ONU Tx.)",
        scale=0.001,
        sentinels=[ZTE_RX_NO_SIGNAL, ZTE_RX_NOT_IN_SERVICE],
        valid_min=-50.0,
        valid_max=10.0,
        enabled=False,
    ),
    _row(
        ZTE_C3XX,
        "onu_distance",
        "optical",
        "1.3.6.1.4.1.3902.1082.500.10.2.3.10.1.2",
        "zte_gpon_onu",
        "int",
        "ONU distance from goc320 for C320 firmware V2.2 [B], whose ONU tables use another index "
        "(285278208+board*256+pon); not checked with the 1012 ponIfIndex [C]. Disabled.",
        valid_min=0.0,
        valid_max=60000.0,
        enabled=False,
    ),
    _row(
        ZTE_C3XX,
        "onu_last_down_cause",
        "status",
        f"{ZTE_GPON}.28.2.1.7",
        "zte_gpon_onu",
        "enum",
        "Last down cause, php-olt decodeLastDownCause (C300/C320) [B]; the 1-based enum in goc320 belongs "
        "to the V2.2 1082 table.",
        value_map={
            "0": "normal",
            "1": "los",
            "2": "losi",
            "3": "lofi",
            "4": "sfi",
            "5": "loai",
            "6": "loami",
            "7": "deactivated",
            "8": "manual",
            "9": "dying_gasp",
        },
    ),
    _row(
        ZTE_C3XX,
        "onu_serial",
        "inventory",
        f"{ZTE_GPON}.28.1.1.5",
        "zte_gpon_onu",
        "serial",
        "ONU SN, 8 raw bytes, vendor ASCII + 4 binary (reference §3.5, php-olt decodeOnuSn) [B]",
    ),
    _row(
        ZTE_C3XX,
        "onu_description",
        "inventory",
        f"{ZTE_GPON}.28.1.1.3",
        "zte_gpon_onu",
        "string",
        "ONU description (.2 is the name used as Zabbix LLD key) (reference §3.5, php-olt) [B]",
    ),
    _row(
        ZTE_C3XX,
        "pon_port_status",
        "status",
        IF_OPER_STATUS,
        "zte_if_port",
        "enum",
        "IF-MIB ifOperStatus (zbx-c320 'Interface Down' trigger) [A]. C320 IF-MIB indexes are 0-based "
        "(zbx-c320 'PON 1/1' = 268435456; php-olt notes they collide with the 1012 ONU prefixes).",
        value_map=IF_OPER_STATUS_MAP,
    ),
    _row(
        ZTE_C3XX,
        "pon_port_tx_power",
        "optical",
        "1.3.6.1.4.1.3902.1015.3.1.13.1.4",
        "zte_if_port",
        "int",
        "PON laser Tx power x0.001 dBm (zbx-c320 'Potencia Laser GPON') [A template]; index as in "
        "zbx-c320 item keys ('PON 2/1' = 268500992).",
        scale=0.001,
        valid_min=-10.0,
        valid_max=15.0,
    ),
    _row(
        ZTE_C3XX,
        "olt_cpu",
        "status",
        "1.3.6.1.4.1.3902.1015.2.1.1.3.1.9",
        "zte_card",
        "int",
        "zxAnCard CPU %, index rack.shelf.slot (zbx-c320 'CPU Load Placa'; php-olt 'verified against "
        "OLT-C320/C300') [A]; the OLT figure is the busiest card.",
        valid_min=0.0,
        valid_max=100.0,
    ),
    _row(
        ZTE_C3XX,
        "olt_temperature",
        "status",
        "1.3.6.1.4.1.3902.1015.2.1.3.13.5.1.1",
        "zte_card",
        "int",
        "Card temperature degC (zbx-c320 'Temperatura Placa') [A template]; the rack.shelf.slot index is "
        "inferred from its discovery key ending .1.1 [C].",
        valid_min=-20.0,
        valid_max=120.0,
    ),
    _row(
        ZTE_C3XX,
        "board_status",
        "inventory",
        "1.3.6.1.4.1.3902.1015.2.1.1.3.1.5",
        "zte_card",
        "enum",
        "zxAnCard oper status (zbx-c320 'Status Placa') [A]; enum taken from php-olt's C600 zxAnCardTable "
        "map (1 inService ... 11 noPower), assumed identical on C300 [C].",
        value_map=ZTE_CARD_STATUS_MAP,
    ),
]

ZTE_1082 = "1.3.6.1.4.1.3902.1082"

_ZTE_C6XX = [
    _row(
        ZTE_C6XX,
        "onu_status",
        "status",
        f"{ZTE_1082}.500.10.2.3.8.1.4",
        "zte_c600_gpon_onu",
        "enum",
        "C600 ONU phase state, index ifIndex.onuId: php-olt verified 2 LOS, 4 Working, 5 DyingGasp, "
        "7 OffLine on a ZXA10 C600 V1.2.2 [B]; 1 logging, 3 syncMib, 6 authFailed from goc320's enum for "
        "the same 1082 table on C320 V2.2 [B].",
        value_map={
            "1": "offline",
            "2": "los",
            "3": "online",
            "4": "online",
            "5": "dying_gasp",
            "6": "offline",
            "7": "offline",
        },
    ),
    _row(
        ZTE_C6XX,
        "onu_rx_power",
        "optical",
        f"{ZTE_1082}.500.20.2.2.2.1.10",
        "zte_c600_gpon_onu_ani1",
        "int",
        "C600 ONU Rx, same .10 column, .1 ANI suffix and raw*0.002-30 scale as C300; 65535 = N/A for "
        "offline ONUs (php-olt, verified live) [B]",
        scale=0.002,
        offset=-30.0,
        sentinels=[0, ZTE_NO_VALUE],
        valid_min=-30.0,
        valid_max=10.0,
    ),
    _row(
        ZTE_C6XX,
        "onu_tx_power",
        "optical",
        f"{ZTE_1082}.500.20.2.2.2.1.14",
        "zte_c600_gpon_onu_ani1",
        "int",
        "No public C600 source names the ONU Tx column [C]; .14 next to the verified .10 Rx is a guess "
        "carried over from the C300 1012.3.50.12 layout. Disabled.",
        scale=0.002,
        offset=-30.0,
        sentinels=[0, ZTE_NO_VALUE],
        valid_min=-10.0,
        valid_max=10.0,
        enabled=False,
    ),
    _row(
        ZTE_C6XX,
        "onu_olt_rx_power",
        "optical",
        f"{ZTE_1082}.500.1.2.4.2.1.2",
        "zte_c600_gpon_onu",
        "int",
        ZTE_PON_RX_SOURCE + " Same column read by LibreNMS zxa10 dbm sensors and by php-olt on a live C600 "
        "(ifIndex.onuId) [B].",
        scale=0.001,
        sentinels=[ZTE_RX_NO_SIGNAL, ZTE_RX_NOT_IN_SERVICE],
        valid_min=-50.0,
        valid_max=10.0,
    ),
    _row(
        ZTE_C6XX,
        "onu_distance",
        "optical",
        f"{ZTE_1082}.500.10.2.3.10.1.2",
        "zte_c600_gpon_onu",
        "int",
        "goc320 (C320 V2.2) ONU distance in the 1082.500.10.2.3 table family that php-olt verified on C600 "
        "for names (.3.1.2) and state (.8.1.4); carried over, not checked on a C600 [C].",
        valid_min=0.0,
        valid_max=60000.0,
    ),
    _row(
        ZTE_C6XX,
        "onu_last_down_cause",
        "status",
        f"{ZTE_1082}.500.10.2.3.8.1.7",
        "zte_c600_gpon_onu",
        "enum",
        "goc320 gives 8.1.7 as last offline reason on C320 V2.2 (1 unknown, 2 LOS ... 9 PowerOff) [B], but "
        "php-olt probed all 12 columns of 8.1.* on a C600 and found no cause column [B]. Sources disagree: "
        "disabled; the phase state (LOS/DyingGasp) already carries the reason on C600.",
        value_map={
            "1": "unknown",
            "2": "los",
            "3": "losi",
            "4": "lofi",
            "5": "sfi",
            "6": "loai",
            "7": "loami",
            "8": "auth_failed",
            "9": "power_off",
            "10": "deactivated",
            "11": "deactivate_failed",
            "12": "reboot",
            "13": "shutdown",
        },
        enabled=False,
    ),
    _row(
        ZTE_C6XX,
        "onu_serial",
        "inventory",
        f"{ZTE_1082}.500.20.2.1.2.1.3",
        "zte_c600_gpon_onu",
        "serial",
        "C600 ONU table .3: 8-byte serial, 4 ASCII vendor + 4 raw bytes (php-olt, verified live) [B]",
    ),
    _row(
        ZTE_C6XX,
        "onu_description",
        "inventory",
        f"{ZTE_1082}.500.10.2.3.3.1.3",
        "zte_c600_gpon_onu",
        "string",
        "C600 ONU description column of the name table 1082.500.10.2.3.3.1 (php-olt, verified live) [B]",
    ),
    _row(
        ZTE_C6XX,
        "pon_port_status",
        "status",
        IF_OPER_STATUS,
        "zte_c600_gpon_port",
        "enum",
        "IF-MIB ifOperStatus; C600 ONU tables are keyed by the real IF-MIB ifIndex (php-olt) [B]",
        value_map=IF_OPER_STATUS_MAP,
    ),
    _row(
        ZTE_C6XX,
        "pon_port_tx_power",
        "optical",
        "1.3.6.1.4.1.3902.1082.30.40.2.4.1.3",
        "zte_c600_gpon_port",
        "int",
        "ZTE-AN-OPTICAL-MODULE-MIB zxAnOpticalIfTxPwrCurrValue (zxAnOpticalModuleInfoEntry 3, "
        "1.3.6.1.4.1.3902.1082.30.40.2.4.1.3), INDEX {ifIndex}, UNITS \"0.001dBm\", 'The optical power "
        "monitored at the output.' (librenms/librenms mibs/zte/ZTE-AN-OPTICAL-MODULE-MIB @ 15f945c0) [A]; "
        "2147483647 = no module/reading (LibreNMS zxa10 skips it in the twin Rx column) [B]. Not walked on "
        "a live C600 yet [C]: disabled.",
        scale=0.001,
        sentinels=[ZTE_NO_MODULE],
        valid_min=-10.0,
        valid_max=15.0,
        enabled=False,
    ),
    _row(
        ZTE_C6XX,
        "olt_cpu",
        "status",
        f"{ZTE_1082}.10.1.2.4.1.9",
        "zte_card",
        "int",
        "ZTE-AN-CHASSIS-MIB zxAnCardCpuLoad (zxAnCardEntry 9, 1.3.6.1.4.1.3902.1082.10.1.2.4.1.9), "
        "Integer32 (0..100) UNITS \"percent\", INDEX {zxAnRack, zxAnShelf, zxAnSlot} (pysmi-compiled "
        "ZTE-AN-CHASSIS-MIB; LibreNMS ships it as mibs/zte/ZTE-AN-CHASSIS-MIB) [A]; same card table as the "
        "C600 board_status column php-olt verified live [B]. The OLT figure is the busiest card.",
        valid_min=0.0,
        valid_max=100.0,
    ),
    _row(
        ZTE_C6XX,
        "olt_temperature",
        "status",
        "1.3.6.1.4.1.3902.1015.2.1.3.13.5.1.1",
        "zte_card",
        "int",
        "No public C600 source; C300 column carried over unchecked [C]. Disabled.",
        valid_min=-20.0,
        valid_max=120.0,
        enabled=False,
    ),
    _row(
        ZTE_C6XX,
        "board_status",
        "inventory",
        f"{ZTE_1082}.10.1.2.4.1.5",
        "zte_card",
        "enum",
        "C600 zxAnCardTable oper status, index rack.shelf.slot, enum 1 inService ... 34 powerSaving "
        "(php-olt, 1 and 4 seen live) [B]",
        value_map=ZTE_CARD_STATUS_MAP,
    ),
]

DEFAULT_OID_MAPS: list[dict[str, Any]] = _HUAWEI + _ZTE_C3XX + _ZTE_C6XX


def default_maps_for(family: str) -> list[dict[str, Any]]:
    return [dict(row) for row in DEFAULT_OID_MAPS if row["vendor_family"] == family]

"""SNMP recordings generated from simulated OLTs, served by a real snmpsim agent."""

from __future__ import annotations

import pytest

from lab.huawei import HuaweiMa5800
from lab.snmp import SnmpAgent, build_records, render
from lab.zte_c320 import ZteC320
from oms.models import PollStatus
from oms.monitoring.collector import SnmpTarget, poll_olt, test_snmp
from oms.monitoring.indexes import Position, decode_index
from oms.monitoring.oid_defaults import default_maps_for
from oms.monitoring.oidmap import OidMapEntry, decode_value
from oms.monitoring.tests.snmp_helpers import run


def maps(family: str) -> list[OidMapEntry]:
    return [OidMapEntry.from_dict(row) for row in default_maps_for(family) if row["enabled"]]


def zte_with_onus() -> ZteC320:
    olt = ZteC320("zte-lab")
    for onu_id, serial in ((1, "ZTEGC0000001"), (2, "ZTEGC0000002")):
        olt.plug_onu(1, 1, 1, serial)
        olt.add_onu((1, 1, 1), onu_id, "ZTE-F660", serial)
    return olt


def decoded(records, family):
    """Decode a recording offline with the collector's own decoders."""
    columns = {tuple(map(int, e.oid.split("."))): e for e in maps(family)}
    out: dict[Position, dict[str, object]] = {}
    for oid, tag, text in records:
        for column, entry in columns.items():
            if oid[: len(column)] == column:
                raw = bytes.fromhex(text) if tag == "4x" else int(text)
                position = decode_index(entry.index_format, oid[len(column) :])
                out.setdefault(position, {})[entry.metric] = decode_value(entry, raw).value
    return out


@pytest.mark.parametrize("family", ["zte_c3xx", "zte_c6xx"])
def test_a_recording_decodes_back_to_the_snapshot(family):
    snapshot = zte_with_onus().snapshot()
    values = decoded(build_records(snapshot, family), family)
    for onu in snapshot["onus"]:
        got = values[Position(onu["frame"], onu["slot"], onu["port"], onu["onu_id"])]
        assert got["onu_serial"] == onu["serial"]
        assert got["onu_status"] == "online"
        assert got["onu_rx_power"] == pytest.approx(onu["rx_dbm"], abs=0.002)


def test_records_are_sorted_unique_and_in_snmprec_syntax():
    records = build_records(HuaweiMa5800("hw-lab").snapshot(), "huawei_smartax")
    oids = [oid for oid, _, _ in records]
    assert oids == sorted(set(oids))
    lines = render(records).splitlines()
    assert lines[0].startswith("1.3.6.1.2.1.1.1.0|4x|")
    assert all(line.count("|") == 2 for line in lines)


def test_agent_serves_v2c_and_v3_and_picks_up_new_state_without_restart():
    olt = zte_with_onus()
    entries = maps("zte_c3xx")
    with SnmpAgent(v3_user="labuser", v3_auth_key="lab-auth-key", v3_priv_key="lab-priv-key") as agent:
        agent.publish("zte-lab", olt.snapshot(), "zte_c3xx")
        agent.start()
        v2c = SnmpTarget("127.0.0.1", agent.port, community="zte-lab", timeout_s=0.5, retries=0)
        v3 = SnmpTarget(
            "127.0.0.1",
            agent.port,
            version="v3",
            v3_username="labuser",
            v3_auth_protocol="sha",
            v3_auth_key="lab-auth-key",
            v3_priv_protocol="aes128",
            v3_priv_key="lab-priv-key",
            context_name="zte-lab",
            timeout_s=0.5,
            retries=0,
        )
        system = run(lambda e: test_snmp(v2c))
        assert (
            system["ok"] and system["sys_name"] == "zte-lab" and system["sys_descr"].startswith("ZXA10 C320")
        )

        before = run(lambda e: poll_olt(e, v3, entries, "status"))
        assert before.status is PollStatus.OK
        assert before.value(Position(1, 1, 1, 2), "onu_status") == "online"

        olt.unplug_onu("ZTEGC0000002")
        agent.publish("zte-lab", olt.snapshot(), "zte_c3xx")
        after = run(lambda e: poll_olt(e, v2c, entries, "status"))
        assert after.value(Position(1, 1, 1, 1), "onu_status") == "online"
        assert after.value(Position(1, 1, 1, 2), "onu_status") in {"los", "offline"}
        assert agent.process is not None and agent.process.poll() is None
    assert agent.process is None

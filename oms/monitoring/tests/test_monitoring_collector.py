"""The collector against real snmpsim agents on loopback UDP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lab.snmp import SnmpAgent, free_udp_port
from oms.models import PollStatus
from oms.monitoring.collector import PollJob, SnmpError, poll_many, poll_olt, test_snmp, walk_columns
from oms.monitoring.indexes import Position
from oms.monitoring.tests.snmp_helpers import V3_AUTH, V3_PRIV, V3_USER, copy_recordings, entries, run, target
from oms.monitoring.tests.snmp_helpers import v3_target as v3

HW_RX = "1.3.6.1.4.1.2011.6.128.1.1.2.51.1.4"
HW_STATUS = "1.3.6.1.4.1.2011.6.128.1.1.2.46.1.15"
HW_PORT = 4194312192  # 0/1/0

FAULTY = (
    "\n".join(
        [
            f"{HW_STATUS}.{HW_PORT}.0|2|1",
            f"{HW_STATUS}.{HW_PORT}.1|129|",  # noSuchInstance inside the column
            f"{HW_STATUS}.{HW_PORT}.2|2|2",
            f"{HW_RX}.{HW_PORT}.0|2|-2100",
        ]
    )
    + "\n"
)


@pytest.fixture(scope="module")
def agent() -> Iterator[SnmpAgent]:
    with SnmpAgent(v3_user=V3_USER, v3_auth_key=V3_AUTH, v3_priv_key=V3_PRIV) as sim:
        copy_recordings(sim.data_dir)
        sim.write_text("faulty", FAULTY)
        sim.start(probe_community="huawei_smartax")
        yield sim


def test_huawei_recording_decodes_positions_scales_and_sentinels(agent):
    result = run(
        lambda e: poll_olt(e, target(agent.port, "huawei_smartax"), entries("huawei_smartax"), "optical")
    )
    first, second = Position(0, 1, 0, 0), Position(0, 1, 0, 1)
    assert result.value(first, "onu_rx_power") == -19.57
    assert result.value(first, "onu_tx_power") == 2.31
    assert result.value(first, "onu_olt_rx_power") == -21.55
    assert result.value(first, "onu_distance") == 1532
    assert result.value(second, "onu_rx_power") is None
    assert "sentinel 2147483647" in result.readings[second]["onu_rx_power"].reason
    implausible = result.readings[Position(0, 2, 15, 5)]["onu_rx_power"]
    assert implausible.value is None and "below the plausible minimum" in implausible.reason
    # 2011.6.128.1.1.2.23.1.4 (port Tx) is not in the recording: one metric error, the rest is fine
    assert [(e.metric, e.kind) for e in result.errors] == [("pon_port_tx_power", "no_such_object")]
    assert result.status is PollStatus.PARTIAL


@pytest.mark.parametrize("backend", ["fast", "pysnmp"])
def test_huawei_status_poll_maps_states_boards_and_skips_foreign_interfaces(agent, backend):
    olt = target(agent.port, "huawei_smartax", backend=backend)
    result = run(lambda e: poll_olt(e, olt, entries("huawei_smartax"), "status"))
    assert result.errors == []
    assert result.status is PollStatus.OK
    assert result.value(Position(0, 1, 0, 0), "onu_status") == "online"
    assert result.value(Position(0, 1, 0, 1), "onu_status") == "offline"
    assert result.value(Position(0, 1, 0, 1), "onu_last_down_cause") == "dying_gasp"
    assert result.value(Position(0, 1, 0), "pon_port_status") == "up"
    assert result.value(Position(0, 2, 15), "pon_port_status") == "down"
    assert result.value(Position(0, 9), "olt_cpu") == 31
    assert result.value(Position(0, 9), "olt_temperature") is None  # 2147483647: no sensor
    assert result.foreign_indexes == {"pon_port_status": 1}  # ifOperStatus.1 is not a GPON port


def test_zte_c3xx_recording(agent):
    def poll(poll_class):
        return run(lambda e: poll_olt(e, target(agent.port, "zte_c3xx"), entries("zte_c3xx"), poll_class))

    status, optical, inventory = poll("status"), poll("optical"), poll("inventory")
    onu = Position(1, 1, 1, 1)
    assert [status.value(Position(1, 1, 1, i), "onu_status") for i in (1, 2, 3)] == [
        "online",
        "los",
        "dying_gasp",
    ]
    assert status.value(Position(1, 1, 1, 3), "onu_last_down_cause") == "dying_gasp"
    assert status.value(Position(1, 1, 1), "pon_port_status") == "up"
    assert status.value(Position(1, 3), "olt_cpu") == 23
    assert status.value(Position(1, 3), "olt_temperature") == 48
    assert optical.value(onu, "onu_rx_power") == -19.4
    # column .14 is the ONU's transmit level (migration 0009); the OLT-side Rx row is disabled on C3xx
    assert optical.value(onu, "onu_tx_power") == 2.21
    assert optical.value(onu, "onu_olt_rx_power") is None
    assert optical.value(Position(1, 1, 1, 2), "onu_rx_power") is None
    assert optical.value(Position(1, 1, 1), "pon_port_tx_power") == 4.21
    assert inventory.value(onu, "onu_serial") == "HWTC1F14CAAD"
    assert inventory.value(Position(1, 1, 1, 2), "onu_serial") == "ZTEGD824CDF3"
    assert inventory.value(Position(1, 3), "board_status") == "hw_offline"


def test_zte_c6xx_recording(agent):
    status = run(lambda e: poll_olt(e, target(agent.port, "zte_c6xx"), entries("zte_c6xx"), "status"))
    states = [status.value(Position(1, 3, 1, i), "onu_status") for i in (1, 2, 3, 4)]
    assert states == ["online", "los", "offline", "dying_gasp"]
    assert status.value(Position(1, 3, 1), "pon_port_status") == "up"
    optical = run(lambda e: poll_olt(e, target(agent.port, "zte_c6xx"), entries("zte_c6xx"), "optical"))
    assert optical.value(Position(1, 3, 1, 1), "onu_rx_power") == -16.2
    inventory = run(lambda e: poll_olt(e, target(agent.port, "zte_c6xx"), entries("zte_c6xx"), "inventory"))
    assert inventory.value(Position(1, 3, 1, 1), "onu_serial") == "HWTCC62B52AF"
    assert inventory.value(Position(1, 3, 1, 2), "onu_serial") == "ZTEG008EEB08"


def test_v3_with_right_and_wrong_credentials(agent):
    ok = run(lambda e: poll_olt(e, v3(agent.port, "huawei_smartax"), entries("huawei_smartax"), "status"))
    assert ok.status is PollStatus.OK
    assert ok.value(Position(0, 1, 0, 0), "onu_status") == "online"
    bad = run(
        lambda e: poll_olt(
            e, v3(agent.port, "huawei_smartax", auth_key="not-the-key"), entries("huawei_smartax"), "status"
        )
    )
    assert bad.status is PollStatus.ERROR
    assert {e.kind for e in bad.errors} == {"auth"}
    assert "Wrong SNMP PDU digest" in bad.errors[0].message


@pytest.mark.parametrize("backend", ["fast", "pysnmp"])
def test_wrong_community_and_closed_port_time_out_quickly(agent, backend):
    wrong_olt = target(agent.port, "no-such-olt", backend=backend)
    wrong = run(lambda e: poll_olt(e, wrong_olt, entries("huawei_smartax"), "status"))
    closed_port = free_udp_port()
    closed_olt = target(closed_port, "huawei_smartax", backend=backend)
    closed = run(lambda e: poll_olt(e, closed_olt, entries("huawei_smartax"), "status"))
    for result in (wrong, closed):
        assert result.status is PollStatus.ERROR
        assert {e.kind for e in result.errors} == {"timeout"}
        assert result.readings == {}
    assert f"127.0.0.1:{closed_port}" in closed.error_text()
    assert (closed.finished_at - closed.started_at).total_seconds() < 3


def test_no_such_instance_rows_and_missing_columns_are_metric_errors(agent):
    result = run(lambda e: poll_olt(e, target(agent.port, "faulty"), entries("huawei_smartax"), "status"))
    by_metric = {e.metric: e for e in result.errors}
    assert by_metric["onu_status"].kind == "no_such_instance"
    assert "noSuchInstance" in by_metric["onu_status"].message
    assert by_metric["onu_last_down_cause"].kind == "no_such_object"
    assert result.value(Position(0, 1, 0, 0), "onu_status") == "online"
    assert result.value(Position(0, 1, 0, 2), "onu_status") == "offline"
    assert result.status is PollStatus.PARTIAL


def test_oid_map_typo_is_recorded_and_the_other_metrics_still_poll(agent):
    maps = entries("huawei_smartax")
    typo = next(m for m in maps if m.metric == "onu_last_down_cause")
    typo.oid = "1.3.6.1.4.1.2011.6.128.1.1.2.46.1.24x"
    result = run(lambda e: poll_olt(e, target(agent.port, "huawei_smartax"), maps, "status"))
    assert [(e.metric, e.kind) for e in result.errors] == [("onu_last_down_cause", "invalid_oid_map")]
    assert "not a numeric OID" in result.errors[0].message
    assert result.value(Position(0, 1, 0, 0), "onu_status") == "online"
    assert result.status is PollStatus.PARTIAL


def test_one_broken_olt_does_not_stop_the_others(agent):
    jobs = [
        PollJob(1, target(agent.port, "huawei_smartax"), entries("huawei_smartax")),
        PollJob(2, target(free_udp_port(), "huawei_smartax"), entries("huawei_smartax")),
        PollJob(3, target(agent.port, "zte_c3xx"), entries("zte_c3xx")),
        PollJob(4, target("no-such-host.invalid", "x"), entries("zte_c3xx")),
    ]
    results = run(lambda e: poll_many(e, jobs, "status"))
    assert results[1].status is PollStatus.OK
    assert results[2].status is PollStatus.ERROR
    assert results[3].value(Position(1, 1, 1, 1), "onu_status") == "online"
    assert results[4].status is PollStatus.ERROR
    assert "no-such-host.invalid" in results[4].error_text()


def test_walk_columns_and_its_errors(agent):
    columns = run(
        lambda e: walk_columns(e, target(agent.port, "huawei_smartax", max_repetitions=2), [HW_STATUS, HW_RX])
    )
    assert columns[HW_STATUS][(HW_PORT, 1)] == 2
    assert columns[HW_RX][(HW_PORT, 0)] == -1957
    assert len(columns[HW_RX]) == 3
    with pytest.raises(SnmpError, match="timeout"):
        run(lambda e: walk_columns(e, target(free_udp_port(), "x"), [HW_STATUS]))


def test_test_snmp_reports_system_group_or_the_failure(agent):
    ok = run(lambda e: test_snmp(target(agent.port, "zte_c3xx")))
    assert ok["ok"] is True
    assert ok["sys_descr"] == "ZXA10 C320 V2.1.0"
    assert ok["sys_name"] == "zte-lab-1"
    assert ok["uptime_s"] == 6543
    failed = run(lambda e: test_snmp(target(agent.port, "nope")))
    assert failed["ok"] is False and failed["kind"] == "timeout"
    assert "no response from nope" in failed["error"]

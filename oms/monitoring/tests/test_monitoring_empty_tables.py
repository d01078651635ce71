"""An OLT with no ONUs walks every ONU column empty: a table with no rows, not a fault. One
empty column beside columns with rows is still reported (a column the device lacks, a typo)."""

from __future__ import annotations

from datetime import UTC, datetime

from oms.models import PollStatus
from oms.monitoring.collector import MetricError, PollResult, empty_tables_are_not_errors
from oms.monitoring.oidmap import OidMapEntry

ONU_TABLE = "huawei_gpon_onu"


def column(metric: str, oid: str, index_format: str = ONU_TABLE) -> OidMapEntry:
    return OidMapEntry("huawei_smartax", metric, "status", oid, index_format, "integer")


def empty(entry: OidMapEntry) -> MetricError:
    return MetricError(entry.metric, entry.oid, "no_such_object", f"no instances under {entry.oid}")


def test_every_column_of_a_table_empty_is_an_empty_table() -> None:
    status, cause = column("onu_status", "1.3.6.1.9.1"), column("onu_last_down_cause", "1.3.6.1.9.2")
    result = PollResult("OLT-1", "status", datetime.now(UTC), errors=[empty(status), empty(cause)])
    empty_tables_are_not_errors(result, [status, cause])
    assert (result.errors, result.empty_tables, result.status) == ([], [ONU_TABLE], PollStatus.OK)


def test_one_empty_column_beside_rows_or_alone_stays_an_error() -> None:
    status, cause = column("onu_status", "1.3.6.1.9.1"), column("onu_last_down_cause", "1.3.6.1.9.2")
    result = PollResult("OLT-1", "status", datetime.now(UTC), errors=[empty(cause)])
    empty_tables_are_not_errors(result, [status, cause])
    assert [e.metric for e in result.errors] == ["onu_last_down_cause"] and result.empty_tables == []

    alone = column("olt_if_status", "1.3.6.1.9.3", "if_index")
    result = PollResult("OLT-1", "status", datetime.now(UTC), errors=[empty(alone)])
    empty_tables_are_not_errors(result, [alone])
    assert [e.metric for e in result.errors] == ["olt_if_status"], "one column cannot tell an empty table"


def test_other_faults_of_an_empty_table_stay() -> None:
    status, cause = column("onu_status", "1.3.6.1.9.1"), column("onu_last_down_cause", "1.3.6.1.9.2")
    timeout = MetricError(status.metric, status.oid, "timeout", "no answer")
    result = PollResult("OLT-1", "status", datetime.now(UTC), errors=[timeout, empty(cause)])
    empty_tables_are_not_errors(result, [status, cause])
    assert [e.kind for e in result.errors] == ["timeout", "no_such_object"]


def test_an_olt_with_no_onu_configured_expects_even_one_empty_onu_column() -> None:
    rx = column("onu_rx_power", "1.3.6.1.9.10")
    port = column("pon_port_status", "1.3.6.1.9.11", "if_index")
    for no_onus, left in ((True, ["pon_port_status"]), (False, ["onu_rx_power", "pon_port_status"])):
        result = PollResult("OLT-1", "optical", datetime.now(UTC), errors=[empty(rx), empty(port)])
        empty_tables_are_not_errors(result, [rx, port], no_onus=no_onus)
        assert sorted(e.metric for e in result.errors) == left, "a port table is never expected empty"

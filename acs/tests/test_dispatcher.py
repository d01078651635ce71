"""The dispatcher against the GenieACS NBI emulator on loopback: every outcome, read-back,
supersession on the ACS, crash safety, drift, first contact and campaigns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from acs import campaigns
from acs.dispatcher import advance, dispatch
from acs.events import InformEvent, ingest
from acs.genieacs import GenieAcsClient
from acs.intents import create_intent
from acs.models import AcsCampaign, AcsIntent, AcsSettings, CampaignStatus, IntentKind, IntentReason, IntentStatus
from acs.reconcile import reconcile
from core.db import session_scope
from lab.genieacs.server import EmulatorHandle, start_emulator
from oms.models import Onu, OnuLifecycle, OnuType

SSID_24 = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID"
SSID_5 = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.5.SSID"
PPP = "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1."


#: GenieACS's waits, shortened alike in the emulator and the client (30 s lock, 120 s session end)
LOCK_WAIT, END_WAIT, CR_TIMEOUT_MS = 1.0, 2.0, 600


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorHandle]:
    with start_emulator(poll_interval=0.02, lock_wait=LOCK_WAIT, session_end_timeout=END_WAIT) as handle:
        yield handle


@pytest.fixture
def acs(emulator: EmulatorHandle, db_url: str) -> Iterator[GenieAcsClient]:
    emulator.reset()
    with session_scope(db_url) as session:
        session.execute(update(AcsSettings).values(nbi_url=emulator.url, connection_request_timeout_ms=CR_TIMEOUT_MS))
    with GenieAcsClient(emulator.url, session_lock_wait_s=LOCK_WAIT, session_end_wait_s=END_WAIT,
                        connection_request_s=0.1, backoff_s=0.01) as client:
        yield client


def onu_with_cpe(db_url: str, emulator: EmulatorHandle, serial: str = "HWTCA94196A5",
                 cpe_serial: str = "48575443A94196A5", **flags: Any) -> tuple[int, str]:
    """An ONU of type Huawei EG8145V5 and its emulated CPE (which reports its serial in hex)."""
    device_id = emulator.add_device(cpe_serial, model="EG8145V5", **flags)
    with session_scope(db_url) as session:
        onu_type = session.scalar(select(OnuType).where(OnuType.model == "EG8145V5"))
        if onu_type is None:
            onu_type = OnuType(vendor="Huawei", model="EG8145V5", wifi_24ghz=True, wifi_5ghz=True)
            session.add(onu_type)
            session.flush()
        onu = Onu(serial=serial, lifecycle_state=OnuLifecycle.PREPROVISIONED, onu_type_id=onu_type.id)
        session.add(onu)
        session.flush()
        return onu.id, device_id


def intend(db_url: str, onu_id: int, kind: IntentKind, values: dict[str, Any]) -> int:
    with session_scope(db_url) as session:
        return create_intent(session, onu_id, kind, values, reason=IntentReason.API, actor="tester").id


def intent(db_url: str, intent_id: int) -> AcsIntent:
    with session_scope(db_url) as session:
        row = session.get(AcsIntent, intent_id)
        assert row is not None
        session.expunge(row)
        return row


def run_due(db_url: str, client: GenieAcsClient, rounds: int = 3) -> None:
    """Dispatch now, and make follow-ups due at once (instead of waiting their 30 s)."""
    for _ in range(rounds):
        with session_scope(db_url) as session:
            session.execute(update(AcsIntent).where(AcsIntent.status.in_(["pending", "sent"]))
                            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)))
        dispatch(db_url, client, rate_per_second=1000)


def test_wifi_is_applied_only_after_the_device_shows_it(db_url: str, emulator: EmulatorHandle,
                                                        acs: GenieAcsClient) -> None:
    onu_id, device_id = onu_with_cpe(db_url, emulator)
    intent_id = intend(db_url, onu_id, IntentKind.WIFI,
                       {"band": "5GHz", "ssid": "casa-5g", "security": "wpa2", "passphrase": "correct horse"})
    status = advance(db_url, acs, intent_id)
    done = intent(db_url, intent_id)
    assert status == "applied", (done.last_outcome, done.last_error)
    assert (done.last_outcome, done.device_id, done.attempts) == ("applied", device_id, 1)
    assert emulator.cpe_values(device_id)[SSID_5] == "casa-5g"
    assert emulator.cpe_values(device_id)[SSID_24] != "casa-5g"  # the 2.4 GHz radio is untouched
    writes = {w["field"]: w["value"] for w in done.result["writes"]}
    assert writes["ssid"] == "casa-5g" and writes["passphrase"] == "***"
    assert emulator.rpc_counts(device_id)["SetParameterValues"] == 1


def test_a_value_the_device_rejects_fails_with_its_fault_and_leaves_no_task(db_url: str, emulator: EmulatorHandle,
                                                                          acs: GenieAcsClient) -> None:
    onu_id, device_id = onu_with_cpe(db_url, emulator, reject_values={SSID_24: []})
    intent_id = intend(db_url, onu_id, IntentKind.WIFI, {"band": "2.4GHz", "ssid": "refused"})
    assert advance(db_url, acs, intent_id) == "failed"
    failed = intent(db_url, intent_id)
    assert failed.last_outcome == "faulted" and failed.last_error and failed.last_error.startswith("cwmp.9007")
    assert acs.task(failed.acs_task_id or "") is None  # deleting the fault deleted the task: no endless retries


def test_a_silently_ignored_write_is_found_by_the_read_back(db_url: str, emulator: EmulatorHandle,
                                                           acs: GenieAcsClient) -> None:
    onu_id, device_id = onu_with_cpe(db_url, emulator, ignore_writes=[SSID_24])
    intent_id = intend(db_url, onu_id, IntentKind.WIFI, {"band": "2.4GHz", "ssid": "never-taken"})
    run_due(db_url, acs, rounds=4)
    failed = intent(db_url, intent_id)
    assert failed.status is IntentStatus.FAILED and failed.last_outcome == "not_written"
    assert SSID_24 in (failed.last_error or "") and failed.attempts == 2


def test_a_stale_acs_copy_is_corrected_by_the_read_back_and_a_resend(db_url: str, emulator: EmulatorHandle,
                                                                    acs: GenieAcsClient) -> None:
    onu_id, device_id = onu_with_cpe(db_url, emulator)
    before = emulator.acs_values(device_id)[SSID_24]
    emulator.set_cpe_value(device_id, SSID_24, "changed-on-the-cpe")  # GenieACS still holds `before`
    intent_id = intend(db_url, onu_id, IntentKind.WIFI, {"band": "2.4GHz", "ssid": before})
    run_due(db_url, acs, rounds=3)
    applied = intent(db_url, intent_id)
    assert applied.status is IntentStatus.APPLIED and applied.attempts == 2
    assert emulator.cpe_values(device_id)[SSID_24] == before


def test_an_offline_device_keeps_the_intent_sent_until_it_informs(db_url: str, emulator: EmulatorHandle,
                                                                acs: GenieAcsClient) -> None:
    onu_id, device_id = onu_with_cpe(db_url, emulator, online=False)
    intent_id = intend(db_url, onu_id, IntentKind.WAN_PPPOE, {"username": "joao", "password": "pw-123", "vlan": 100})
    assert advance(db_url, acs, intent_id) == "sent"
    assert intent(db_url, intent_id).last_outcome == "connection_request_failed"
    emulator.set_device(device_id, online=True)
    emulator.inform(device_id, "2 PERIODIC")  # the queued task runs in the device's own session
    run_due(db_url, acs, rounds=2)
    applied = intent(db_url, intent_id)
    assert applied.status is IntentStatus.APPLIED and applied.attempts == 1
    cpe = emulator.cpe_values(device_id)
    assert (cpe[PPP + "Username"], cpe[PPP + "Password"], str(cpe[PPP + "X_HW_VLAN"])) == ("joao", "pw-123", "100")


def test_a_busy_device_is_followed_up(db_url: str, emulator: EmulatorHandle, acs: GenieAcsClient) -> None:
    onu_id, device_id = onu_with_cpe(db_url, emulator, in_session=True)
    intent_id = intend(db_url, onu_id, IntentKind.REBOOT, {})
    assert advance(db_url, acs, intent_id) == "sent"
    assert intent(db_url, intent_id).last_outcome == "device_busy"
    emulator.set_device(device_id, in_session=False)
    emulator.inform(device_id)
    run_due(db_url, acs, rounds=2)
    assert intent(db_url, intent_id).status is IntentStatus.APPLIED
    assert emulator.rpc_counts(device_id)["Reboot"] == 1


def test_a_newer_intent_replaces_the_task_queued_on_the_acs(db_url: str, emulator: EmulatorHandle,
                                                            acs: GenieAcsClient) -> None:
    onu_id, device_id = onu_with_cpe(db_url, emulator, online=False)
    first = intend(db_url, onu_id, IntentKind.WIFI, {"band": "2.4GHz", "ssid": "first"})
    advance(db_url, acs, first)
    second = intend(db_url, onu_id, IntentKind.WIFI, {"band": "2.4GHz", "ssid": "second"})
    advance(db_url, acs, second)
    queued = acs.find_task_by_unique_key(device_id, f"ponstack:{onu_id}:wifi:2.4GHz")
    assert queued is not None and [v[1] for v in queued["parameterValues"]] == [True, "second"]
    assert intent(db_url, first).status is IntentStatus.SUPERSEDED
    emulator.set_device(device_id, online=True)
    emulator.inform(device_id)
    run_due(db_url, acs, rounds=2)
    assert emulator.cpe_values(device_id)[SSID_24] == "second"
    assert emulator.rpc_counts(device_id)["SetParameterValues"] == 1  # the first never reached the CPE


def test_a_worker_killed_after_sending_checks_before_sending_again(db_url: str, emulator: EmulatorHandle,
                                                                  acs: GenieAcsClient) -> None:
    onu_id, device_id = onu_with_cpe(db_url, emulator, online=False)
    intent_id = intend(db_url, onu_id, IntentKind.WIFI, {"band": "2.4GHz", "ssid": "once"})
    advance(db_url, acs, intent_id)
    with session_scope(db_url) as session:  # the answer to the push was lost with the worker
        session.execute(update(AcsIntent).where(AcsIntent.id == intent_id)
                        .values(acs_task_id=None, last_outcome="unknown"))
    run_due(db_url, acs, rounds=1)
    found = intent(db_url, intent_id)
    assert found.status is IntentStatus.SENT and found.acs_task_id is not None and found.attempts == 1
    emulator.set_device(device_id, online=True)
    emulator.inform(device_id)
    run_due(db_url, acs, rounds=2)
    assert intent(db_url, intent_id).status is IntentStatus.APPLIED
    assert emulator.rpc_counts(device_id)["SetParameterValues"] == 1


def test_an_unknown_device_waits_and_its_first_inform_links_it(db_url: str, emulator: EmulatorHandle,
                                                              acs: GenieAcsClient) -> None:
    with session_scope(db_url) as session:
        onu = Onu(serial="HWTC0BADF00D", lifecycle_state=OnuLifecycle.PREPROVISIONED)
        session.add(onu)
        session.flush()
        onu_id = onu.id
    intent_id = intend(db_url, onu_id, IntentKind.REBOOT, {})
    assert advance(db_url, acs, intent_id) == "pending"
    assert intent(db_url, intent_id).last_outcome == "device_unknown"
    device_id = emulator.add_device("485754430BADF00D", model="EG8145V5")
    with session_scope(db_url) as session:
        report = ingest(session, [InformEvent(device_id, "485754430BADF00D", ("0 BOOTSTRAP",), datetime.now(UTC))])
    assert (report.linked, report.intents_due) == (1, 1)
    dispatch(db_url, acs, rate_per_second=1000)
    assert intent(db_url, intent_id).status is IntentStatus.APPLIED


def test_drift_is_found_and_reapplied(db_url: str, emulator: EmulatorHandle, acs: GenieAcsClient) -> None:
    onu_id, device_id = onu_with_cpe(db_url, emulator)
    intent_id = intend(db_url, onu_id, IntentKind.WIFI, {"band": "2.4GHz", "ssid": "desired"})
    advance(db_url, acs, intent_id)
    assert reconcile(db_url, acs, reapply=False).drifted == 0
    emulator.set_cpe_value(device_id, SSID_24, "someone-changed-it")
    report = reconcile(db_url, acs, reapply=True)
    assert (report.drifted, report.reapplied) == (1, 1)
    assert intent(db_url, intent_id).drifted_at is not None
    run_due(db_url, acs, rounds=2)
    assert emulator.cpe_values(device_id)[SSID_24] == "desired"


def test_a_campaign_halts_when_its_canary_faults(db_url: str, emulator: EmulatorHandle, acs: GenieAcsClient) -> None:
    onu_ids = [onu_with_cpe(db_url, emulator, serial=f"HWTC0000{i:04X}", cpe_serial=f"485754430000{i:04X}",
                            reject_values={SSID_24: []})[0] for i in range(10)]
    with session_scope(db_url) as session:
        campaign = AcsCampaign(name="rename", kind=IntentKind.WIFI, desired={"band": "2.4GHz", "ssid": "x"},
                               onu_ids=onu_ids, canary_share=0.2, concurrency=5, halt_fault_rate=0.5,
                               requested_by="tester")
        session.add(campaign)
        session.flush()
        campaign_id = campaign.id
    with session_scope(db_url) as session:
        assert campaigns.step(session, campaign_id) == 2  # the canary: 20 % of 10
    with session_scope(db_url) as session:
        assert campaigns.step(session, campaign_id) == 0  # nothing more until the canary finished
    run_due(db_url, acs, rounds=1)
    with session_scope(db_url) as session:
        assert campaigns.step(session, campaign_id) == 0
        halted = session.get(AcsCampaign, campaign_id)
        assert halted is not None and halted.status is CampaignStatus.HALTED
        assert "fault rate 100%" in (halted.halted_reason or "")
        assert campaigns.progress(session, halted).released == 2

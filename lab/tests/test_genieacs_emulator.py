"""The GenieACS NBI emulator (lab.genieacs) against a real HTTP client on loopback.

Each rule asserted here is GenieACS 1.2.16 behaviour as its source defines it (the citations are next to the code
in lab/genieacs/server.py); the tests use short timings (poll, lock wait, restart) so they run in seconds.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from lab.genieacs import encode_id, generate_device_id, start_emulator
from lab.genieacs.server import EmulatorHandle
from lab.genieacs.tree import cpe_value_error, get_model

IGD = "InternetGatewayDevice"
SSID = f"{IGD}.LANDevice.1.WLANConfiguration.1.SSID"
PSK = f"{IGD}.LANDevice.1.WLANConfiguration.1.PreSharedKey.1.KeyPassphrase"
SW = f"{IGD}.DeviceInfo.SoftwareVersion"  # read-only
INFORM_INTERVAL = f"{IGD}.ManagementServer.PeriodicInformInterval"  # xsd:unsignedInt, writable
SERIAL = "48575443-A94196A5"  # contains "-": %2D in the id, %252D in URL paths


@pytest.fixture
def emu() -> Iterator[EmulatorHandle]:
    h = start_emulator(poll_interval=0.02, lock_wait=0.3, restart_delay=0.3, retry_delay=0.3)
    try:
        yield h
    finally:
        h.stop()


@pytest.fixture
def client(emu: EmulatorHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emu.url, timeout=10) as c:
        yield c


@pytest.fixture
def dev(emu: EmulatorHandle) -> str:
    return emu.add_device(SERIAL, model="EG8145V5")


def post_task(c: httpx.Client, dev_id: str, task: Any, cr: bool = True, **params: str) -> httpx.Response:
    q = dict(params)
    if cr:
        q["connection_request"] = ""
    body = task if isinstance(task, bytes) else json.dumps(task).encode()
    return c.post(f"/devices/{encode_id(dev_id)}/tasks", params=q, content=body)


def spv(*pairs: Any) -> dict[str, Any]:
    return {"name": "setParameterValues", "parameterValues": [list(p) for p in pairs]}


def get(c: httpx.Client, coll: str, query: dict[str, Any] | None = None, **params: str) -> list[dict[str, Any]]:
    if query is not None:
        params["query"] = json.dumps(query)
    r = c.get(f"/{coll}/", params=params)
    assert r.status_code == 200, r.text
    return list(r.json())


# --- device ids --------------------------------------------------------------------------------------------


def test_device_id_escaping_follows_generate_device_id() -> None:
    assert generate_device_id("00236a", "96318REF", "SR360NA0A4-0003196") == "00236a-96318REF-SR360NA0A4%2D0003196"
    assert generate_device_id("C0B101", "ZXHN H199A", "ZTEYH86LCN10105") == "C0B101-ZXHN%20H199A-ZTEYH86LCN10105"
    assert generate_device_id("9075BC", "G-1425G-A", "X") == "9075BC-G%2D1425G%2DA-X"
    assert generate_device_id("ABC", "", "S.1") == "ABC-S%2E1"
    assert generate_device_id("ABC", "P", "é_1") == "ABC-P-%C3%A9_1"
    # the shipped trees carry GenieACS's own ids: ours must agree
    for model in ("H199A", "G-1425G-A", "EG8145V5"):
        d = get_model(model).device_id
        assert generate_device_id(d["OUI"], d["ProductClass"], d["SerialNumber"]) == d["ID"]


def test_device_id_is_escaped_again_in_url_paths(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    assert dev == "00259E-EG8145V5-48575443%2DA94196A5"
    ok = client.post(f"/devices/{quote(dev, safe='')}/tasks", json={"name": "reboot"})
    assert ok.status_code == 202  # %252D -> decodeURIComponent -> %2D: the device
    once = client.post(f"/devices/{dev}/tasks", json={"name": "reboot"})
    assert (once.status_code, once.text) == (404, "No such device")  # %2D decodes to "-": another id


# --- POST /devices/<id>/tasks status codes -------------------------------------------------------------------


def test_task_without_connection_request_is_queued_202(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    r = post_task(client, dev, spv((SSID, "queued")), cr=False)
    assert r.status_code == 202 and r.reason_phrase == "Accepted"
    body = r.json()
    assert len(body["_id"]) == 24 and body["device"] == dev and body["timestamp"].endswith("Z")
    assert [t["_id"] for t in get(client, "tasks", {"device": dev})] == [body["_id"]]
    assert emu.cpe_values(dev, SSID)[SSID] != "queued"  # nothing reached the CPE
    assert r.headers["GenieACS-Version"] == "1.2.16"


def test_404_400_before_anything(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    r = post_task(client, "OUI-NOPE-1", {"name": "reboot"})
    assert (r.status_code, r.text) == (404, "No such device")
    r = post_task(client, "OUI-NOPE-1", {"name": "reboot"}, cr=False)
    assert (r.status_code, r.text) == (404, "No such device")
    # a malformed task for an unknown device is a 404: the device lookup comes first, no crash
    r = post_task(client, "OUI-NOPE-1", {"name": "bogus"}, cr=False)
    assert r.status_code == 404 and emu.crashes == 0
    r = post_task(client, dev, b"{not json", cr=False)
    assert r.status_code == 400 and r.text.startswith("SyntaxError")
    r = post_task(client, dev, b"null", cr=False)
    assert r.status_code == 400 and r.text.startswith("TypeError")
    r = post_task(client, dev, b"", cr=False)  # neither a task nor connection_request
    assert (r.status_code, r.text) == (400, "")
    assert get(client, "tasks") == []


def test_connection_request_only(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    r = post_task(client, dev, b"")
    assert r.status_code == 200
    emu.set_device(dev, online=False)
    r = post_task(client, dev, b"")
    assert (r.status_code, r.reason_phrase, r.text) == (504, "Device is offline", "Device is offline")
    bad_creds = "Connection request error: Incorrect connection request credentials"
    emu.set_device(dev, online=True, cr_error=bad_creds)
    r = post_task(client, dev, b"")
    assert r.status_code == 504 and r.reason_phrase == bad_creds


def test_task_done_in_session_is_200_and_removed(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    r = post_task(client, dev, spv((SSID, "CustomerNet")))
    assert r.status_code == 200 and r.reason_phrase == "OK"
    assert emu.cpe_values(dev, SSID)[SSID] == "CustomerNet"
    assert get(client, "tasks", {"device": dev}) == []  # a finished task leaves `tasks`
    assert get(client, "faults") == []


def test_offline_device_202_with_cr_error_and_task_stays(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    emu.set_device(dev, online=False)
    r = post_task(client, dev, spv((SSID, "later")))
    assert (r.status_code, r.reason_phrase) == (202, "Device is offline")
    tasks = get(client, "tasks", {"device": dev})
    assert [t["_id"] for t in tasks] == [r.json()["_id"]]
    emu.set_device(dev, online=True)
    emu.inform(dev)  # the next inform runs it
    assert emu.cpe_values(dev, SSID)[SSID] == "later"
    assert get(client, "tasks", {"device": dev}) == []


def test_device_in_session_202_task_queued_but_not_processed(
    emu: EmulatorHandle, client: httpx.Client, dev: str
) -> None:
    emu.set_device(dev, in_session=True)
    t0 = time.monotonic()
    r = post_task(client, dev, spv((SSID, "busy")))
    assert (r.status_code, r.reason_phrase) == (202, "Task queued but not processed")
    assert time.monotonic() - t0 >= 0.3  # waited lock_wait for the session lock first
    assert emu.cpe_values(dev, SSID)[SSID] != "busy"
    assert len(get(client, "tasks", {"device": dev})) == 1
    # DELETE /tasks/<id> and retry answer 503 while the device is in session
    tid = r.json()["_id"]
    assert (client.delete(f"/tasks/{tid}").status_code, client.delete(f"/tasks/{tid}").text) == (
        503, "Device is in session"
    )
    emu.set_device(dev, in_session=False)
    emu.inform(dev)
    assert emu.cpe_values(dev, SSID)[SSID] == "busy"


def test_timeout_bounds_only_the_session_start(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    # slow to *start* a session: timeout applies -> 202 "Task queued but not processed", done later anyway
    emu.set_device(dev, inform_delay=0.8)
    r = post_task(client, dev, spv((SSID, "slow-start")), timeout="200")
    assert (r.status_code, r.reason_phrase) == (202, "Task queued but not processed")
    time.sleep(1.0)
    assert emu.cpe_values(dev, SSID)[SSID] == "slow-start"
    assert get(client, "tasks", {"device": dev}) == []
    # slow *session*: once started, the NBI waits for its end (up to 120 s), whatever `timeout` said
    emu.set_device(dev, inform_delay=0.0, latency=0.8)
    t0 = time.monotonic()
    r = post_task(client, dev, spv((SSID, "slow-session")), timeout="600")
    assert r.status_code == 200 and time.monotonic() - t0 >= 0.8
    # a timeout under 500 ms never waits at all (api-functions.ts L233: `if (timeout < 500) return false`)
    emu.set_device(dev, latency=0.0)
    r = post_task(client, dev, spv((SSID, "no-wait")), timeout="200")
    assert (r.status_code, r.reason_phrase) == (202, "Task queued but not processed")


def test_faulted_task_is_202_task_faulted_with_fault_document(
    emu: EmulatorHandle, client: httpx.Client, dev: str
) -> None:
    r = post_task(client, dev, spv((SSID, "x" * 33)))  # SSID is string(32): the CPE says 9007
    assert (r.status_code, r.reason_phrase) == (202, "Task faulted")
    tid = r.json()["_id"]
    (fault,) = get(client, "faults", {"device": dev})
    assert fault["_id"] == f"{dev}:task_{tid}" and fault["channel"] == f"task_{tid}"
    assert fault["code"] == "cwmp.9007" and fault["message"] == "Invalid parameter value"
    assert fault["detail"]["setParameterValuesFault"][0]["parameterName"] == SSID
    assert fault["retries"] == 0
    assert isinstance(fault["provisions"], str)  # a JSON string, not an array
    assert json.loads(fault["provisions"]) == [["value", SSID, "x" * 33]]
    assert [t["_id"] for t in get(client, "tasks")] == [tid]  # the task stays
    # retry only clears the fault; the task runs again at the next session and faults again
    assert client.post(f"/tasks/{tid}/retry").status_code == 200
    assert get(client, "faults") == [] and len(get(client, "tasks")) == 1
    emu.inform(dev)
    (fault,) = get(client, "faults")
    assert fault["retries"] == 0
    # deleting the task's fault deletes the task
    assert client.delete(f"/faults/{quote(fault['_id'], safe='')}").status_code == 200
    assert get(client, "faults") == [] and get(client, "tasks") == []


def test_faulted_channel_is_retried_after_retry_delay(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    emu.set_device(dev, reject_values={SSID: []})
    r = post_task(client, dev, spv((SSID, "retry-me")))
    assert r.reason_phrase == "Task faulted"
    emu.inform(dev)  # before retryDelay (0.3 s here) * 2^0: not retried
    assert get(client, "faults")[0]["retries"] == 0
    time.sleep(0.35)
    emu.inform(dev)  # due: retried, faults again, retries 1
    assert get(client, "faults")[0]["retries"] == 1
    emu.set_device(dev, reject_values={})
    time.sleep(0.65)  # 0.3 * 2^1
    emu.inform(dev)
    assert get(client, "faults") == [] and get(client, "tasks") == []
    assert emu.cpe_values(dev, SSID)[SSID] == "retry-me"


def test_delete_task(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    tid = post_task(client, dev, {"name": "reboot"}, cr=False).json()["_id"]
    assert client.delete(f"/tasks/{tid}").status_code == 200
    r = client.delete(f"/tasks/{tid}")
    assert (r.status_code, r.text) == (404, "Task not found")


# --- setParameterValues semantics ----------------------------------------------------------------------------


def test_spv_silently_skips_unknown_readonly_and_equal(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    current_ssid = emu.acs_values(dev, SSID)[SSID]
    sw = emu.cpe_values(dev, SW)[SW]
    r = post_task(
        client, dev,
        spv((f"{IGD}.LANDevice.1.WLANConfiguration.1.X_NO_SUCH_PARAM", "v"), (SW, "hacked"), (SSID, current_ssid)),
    )
    assert r.status_code == 200  # "done" ...
    assert emu.rpc_counts(dev).get("SetParameterValues", 0) == 0  # ... without a single write
    assert emu.cpe_values(dev, SW)[SW] == sw
    assert f"{IGD}.LANDevice.1.WLANConfiguration.1.X_NO_SUCH_PARAM" not in emu.cpe_values(dev, IGD)


def test_equal_to_stale_cache_is_skipped_and_read_back_finds_it(
    emu: EmulatorHandle, client: httpx.Client, dev: str
) -> None:
    cached = emu.acs_values(dev, SSID)[SSID]
    emu.set_cpe_value(dev, SSID, "changed-on-the-cpe")  # drift GenieACS has not seen
    assert post_task(client, dev, spv((SSID, cached))).status_code == 200
    assert emu.cpe_values(dev, SSID)[SSID] == "changed-on-the-cpe"  # skipped: equal to the cached copy
    # getParameterValues refreshes the cache and its _timestamp
    before = get(client, "devices", {"_id": dev}, projection=SSID)[0]
    time.sleep(0.01)
    r = post_task(client, dev, {"name": "getParameterValues", "parameterNames": [SSID]})
    assert r.status_code == 200
    after = get(client, "devices", {"_id": dev}, projection=SSID)[0]
    leaf = after["InternetGatewayDevice"]["LANDevice"]["1"]["WLANConfiguration"]["1"]["SSID"]
    old = before["InternetGatewayDevice"]["LANDevice"]["1"]["WLANConfiguration"]["1"]["SSID"]
    assert leaf["_value"] == "changed-on-the-cpe" and leaf["_timestamp"] > old["_timestamp"]


def _free_string_params(n: int) -> list[str]:
    tree = get_model("EG8145V5")
    out = [
        k for k in tree.keys
        if not tree.params[k].object and tree.params[k].writable and tree.params[k].type == "xsd:string"
        and not cpe_value_error(k, "batch-value", "xsd:string")
    ]
    assert len(out) >= n
    return out[:n]


@pytest.mark.parametrize(("count", "rpcs"), [(32, 1), (33, 2), (40, 2), (64, 2), (65, 3)])
def test_spv_is_split_in_batches_of_32(
    emu: EmulatorHandle, client: httpx.Client, dev: str, count: int, rpcs: int
) -> None:
    paths = _free_string_params(count)
    r = post_task(client, dev, spv(*[(p, f"batch-{i}") for i, p in enumerate(paths)]))
    assert r.status_code == 200
    assert emu.rpc_counts(dev)["SetParameterValues"] == rpcs
    values = emu.cpe_values(dev, IGD)
    assert all(values[p] == f"batch-{i}" for i, p in enumerate(paths))


def test_batches_are_not_atomic(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    paths = _free_string_params(40)
    emu.set_device(dev, reject_values={paths[35]: []})  # only the second RPC fails
    r = post_task(client, dev, spv(*[(p, f"na-{i}") for i, p in enumerate(paths)]))
    assert r.reason_phrase == "Task faulted"
    values = emu.cpe_values(dev, IGD)
    assert all(values[p] == f"na-{i}" for i, p in enumerate(paths[:32]))  # the first 32 stay written
    assert values[paths[35]] != "na-35"


def test_spv_type_is_dropped_device_type_used(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    enable = f"{IGD}.ManagementServer.PeriodicInformEnable"
    r = post_task(client, dev, spv((INFORM_INTERVAL, "600", "xsd:string"), (enable, "false", "xsd:string")))
    assert r.status_code == 200
    doc = get(client, "devices", {"_id": dev}, projection=f"{INFORM_INTERVAL},{enable}")[0]
    ms = doc["InternetGatewayDevice"]["ManagementServer"]
    assert ms["PeriodicInformInterval"]["_value"] == 600 and ms["PeriodicInformInterval"]["_type"] == "xsd:unsignedInt"
    assert ms["PeriodicInformEnable"]["_value"] is False and ms["PeriodicInformEnable"]["_type"] == "xsd:boolean"
    assert emu.cpe_values(dev, INFORM_INTERVAL)[INFORM_INTERVAL] == 600
    # a value the stored type cannot take goes out as a string and the CPE rejects it
    r = post_task(client, dev, spv((INFORM_INTERVAL, "abc", "xsd:unsignedInt")))
    assert r.reason_phrase == "Task faulted"


def test_strict_cpe_9005_is_recovered_and_the_stale_path_dropped(
    emu: EmulatorHandle, client: httpx.Client, dev: str
) -> None:
    stale = f"{IGD}.LANDevice.1.WLANConfiguration.1.BeaconType"
    emu.delete_cpe_path(dev, stale)  # GenieACS still has it cached
    emu.set_device(dev, strict_unknown_paths=True)
    r = post_task(client, dev, spv((stale, "11i"), (SSID, "strict-ok")))
    assert r.status_code == 200  # GenieACS clears the batch, rediscovers, resends without the stale path
    assert emu.rpc_counts(dev)["SetParameterValues"] == 2
    assert emu.cpe_values(dev, SSID)[SSID] == "strict-ok"
    assert stale not in emu.acs_values(dev, stale)
    assert get(client, "faults") == []


def test_lenient_cpe_ignores_unknown_path_and_genieacs_believes_it_written(
    emu: EmulatorHandle, client: httpx.Client, dev: str
) -> None:
    stale = f"{IGD}.LANDevice.1.WLANConfiguration.1.BeaconType"
    emu.delete_cpe_path(dev, stale)
    r = post_task(client, dev, spv((stale, "11i")))
    assert r.status_code == 200
    assert emu.acs_values(dev, stale)[stale] == "11i" and stale not in emu.cpe_values(dev, stale)


def test_cpe_refusing_a_listed_path_ends_in_too_many_commits(
    emu: EmulatorHandle, client: httpx.Client, dev: str
) -> None:
    emu.set_device(dev, reject_paths=[SSID])
    r = post_task(client, dev, spv((SSID, "never")))
    assert r.reason_phrase == "Task faulted"
    assert get(client, "faults")[0]["code"] == "too_many_commits"


def test_ignored_write_is_caught_only_by_read_back(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    emu.set_device(dev, ignore_writes=[PSK])
    assert post_task(client, dev, spv((PSK, "supersecret1"))).status_code == 200
    assert emu.acs_values(dev, PSK)[PSK] == "supersecret1"  # GenieACS caches what it sent
    assert post_task(client, dev, {"name": "refreshObject", "objectName": PSK}).status_code == 200
    assert emu.acs_values(dev, PSK)[PSK] == ""


# --- uniqueKey and expiry ------------------------------------------------------------------------------------


def test_unique_key_replaces_the_queued_task(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    other = emu.add_device("OTHER1", model="EG8145V5")
    t1 = post_task(client, dev, {**spv((SSID, "one")), "uniqueKey": "wifi"}, cr=False).json()
    t2 = post_task(client, dev, {**spv((SSID, "two")), "uniqueKey": "wifi"}, cr=False).json()
    t3 = post_task(client, other, {**spv((SSID, "three")), "uniqueKey": "wifi"}, cr=False).json()
    ids = {t["_id"] for t in get(client, "tasks")}
    assert ids == {t2["_id"], t3["_id"]} and t1["_id"] not in ids
    emu.inform(dev)
    assert emu.cpe_values(dev, SSID)[SSID] == "two"


def test_expiry_drops_the_task_at_the_next_session(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    t = post_task(client, dev, {**spv((SSID, "expired")), "expiry": 0.2}, cr=False).json()
    assert t["expiry"] > t["timestamp"]
    assert len(get(client, "tasks")) == 1  # still listed until a session runs
    time.sleep(0.25)
    emu.inform(dev)
    assert get(client, "tasks") == []
    assert emu.cpe_values(dev, SSID)[SSID] != "expired"
    fresh = post_task(client, dev, {**spv((SSID, "fresh")), "expiry": 60})
    assert fresh.status_code == 200 and emu.cpe_values(dev, SSID)[SSID] == "fresh"


# --- crash and down ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "task",
    [
        {"name": "bogus"},
        {"name": "setParameterValues", "parameterValues": []},
        {"name": "setParameterValues", "parameterValues": [[SSID, None]]},
        {"name": "getParameterValues"},
        {"name": "download"},
        5,
    ],
)
def test_malformed_task_crashes_the_worker(emu: EmulatorHandle, client: httpx.Client, dev: str, task: Any) -> None:
    if task == 5:  # `task.device = ...` on a number throws inside the JSON try: 400, no crash
        r = post_task(client, dev, task, cr=False)
        assert r.status_code == 400 and emu.crashes == 0
        return
    with pytest.raises(httpx.RemoteProtocolError):  # the connection closes without a response
        post_task(client, dev, task, cr=False)
    assert emu.crashes == 1
    time.sleep(0.4)
    assert get(client, "tasks") == []  # nothing was inserted


@pytest.fixture
def crash_emu() -> Iterator[EmulatorHandle]:
    h = start_emulator(poll_interval=0.02, lock_wait=0.3, restart_delay=0.3)
    try:
        yield h
    finally:
        h.stop()


def _post_raw(url: str, path: str, body: bytes) -> httpx.Response:
    with httpx.Client(base_url=url, timeout=5) as c:
        return c.post(path, content=body)


def test_crash_drops_the_connection_then_refuses_until_respawn(crash_emu: EmulatorHandle) -> None:
    dev = crash_emu.add_device(SERIAL)
    path = f"/devices/{encode_id(dev)}/tasks"
    with pytest.raises(httpx.RemoteProtocolError):  # closed without any response
        _post_raw(crash_emu.url, path, b'{"name":"bogus"}')
    assert crash_emu.crashes == 1
    with pytest.raises(httpx.ConnectError):
        _post_raw(crash_emu.url, path, b'{"name":"reboot"}')
    with httpx.Client(base_url=crash_emu.control_url) as c:  # the control port stays up
        assert c.get("/_emulator/stats").json()["crashes"] == 1
    time.sleep(0.4)
    assert _post_raw(crash_emu.url, path, b'{"name":"reboot"}').status_code == 202
    # other uncaught exceptions: DELETE /tasks/<not an ObjectId>, retry of a missing task
    with pytest.raises(httpx.RemoteProtocolError), httpx.Client(base_url=crash_emu.url) as c:
        c.delete("/tasks/not-an-object-id")
    time.sleep(0.4)
    with pytest.raises(httpx.RemoteProtocolError), httpx.Client(base_url=crash_emu.url) as c:
        c.post("/tasks/0123456789abcdef01234567/retry")
    time.sleep(0.4)
    with pytest.raises(httpx.RemoteProtocolError), httpx.Client(base_url=crash_emu.url) as c:
        c.get("/tasks/", params={"query": json.dumps({"_id": "not-an-object-id"})})
    assert crash_emu.crashes == 4
    time.sleep(0.4)
    with httpx.Client(base_url=crash_emu.url) as c:  # a well-formed id is fine
        assert c.get("/tasks/", params={"query": json.dumps({"_id": "0123456789abcdef01234567"})}).json() == []


def test_too_many_crashes_stop_the_service() -> None:
    # cluster.ts L49-58: more than 5 crashes in each of 3 consecutive "minutes" (0.3 s here) -> no respawn
    h = start_emulator(restart_delay=0.02, crash_minute=0.5)
    try:
        deadline = time.monotonic() + 8
        while not h.dead and time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", h.port), timeout=2) as s:
                s.sendall(b"DELETE /tasks/zz HTTP/1.1\r\nHost: x\r\n\r\n")
                assert s.recv(100) == b""  # no response, just a close
            time.sleep(0.01)
        assert h.dead and h.crashes > 15, (h.crashes, h.emu.last_error)
        time.sleep(0.1)
        with pytest.raises(httpx.ConnectError), httpx.Client(base_url=h.url) as c:
            c.get("/devices/")
    finally:
        h.stop()


def test_nbi_down_refuses_connections(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    emu.nbi_down()
    with pytest.raises(httpx.ConnectError), httpx.Client(base_url=emu.url) as c:
        c.get("/devices/")
    with httpx.Client(base_url=emu.control_url) as c:
        r = c.post("/_emulator/nbi", json={"down": False})
        assert r.json() == {"down": False, "dead": False}
    assert len(get(client, "devices")) == 1


# --- queries, other tasks, control -----------------------------------------------------------------------------


def test_device_queries(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    other = emu.add_device("ZTEYH86LCN10105", model="H199A")
    assert [d["_id"] for d in get(client, "devices", {"_deviceId._SerialNumber": SERIAL}, projection="_id")] == [dev]
    assert {d["_id"] for d in get(client, "devices", {"_id": {"$in": [dev, other, "nope"]}}, projection="_id")} == {
        dev, other
    }
    assert {d["_id"] for d in get(client, "devices", {"$or": [{"_id": dev}, {"_id": other}]}, projection="_id")} == {
        dev, other
    }
    future = "2999-01-01T00:00:00.000Z"
    assert get(client, "devices", {"_lastInform": {"$gt": future}}) == []
    assert len(get(client, "devices", {"_lastInform": {"$lt": future}}, projection="_id")) == 2
    (doc,) = get(client, "devices", {"_id": other})
    assert doc["_deviceId"] == {"_Manufacturer": "ZTE", "_OUI": "C0B101", "_ProductClass": "ZXHN H199A",
                                "_SerialNumber": "ZTEYH86LCN10105"}
    wlan = doc["InternetGatewayDevice"]["LANDevice"]["1"]["WLANConfiguration"]
    assert wlan["_object"] is True and wlan["1"]["SSID"]["_type"] == "xsd:string"
    assert {"_registered", "_lastInform", "_lastBoot", "_lastBootstrap"} <= doc.keys()
    # parameter-path queries compare `._value`
    assert [d["_id"] for d in get(client, "devices", {SSID: "Anlix-ZTE-H199"}, projection="_id")] == [other]
    r = client.head("/devices/", params={"query": json.dumps({"_id": dev})})
    assert r.status_code == 200 and r.headers["total"] == "1" and r.content == b""
    assert client.get("/devices/", params={"query": "{"}).status_code == 400
    assert client.get("/nope/").status_code == 404


def test_diagnostics_results_need_a_read_back(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    ping = f"{IGD}.IPPingDiagnostics"
    emu.set_device(dev, diag_delay=0.1)
    r = post_task(client, dev, spv((f"{ping}.Host", "192.0.2.1"), (f"{ping}.NumberOfRepetitions", 4),
                                   (f"{ping}.DiagnosticsState", "Requested")))
    assert r.status_code == 200
    time.sleep(0.3)
    assert emu.cpe_values(dev, ping)[f"{ping}.DiagnosticsState"] == "Complete"
    assert emu.acs_values(dev, ping)[f"{ping}.DiagnosticsState"] == "Requested"  # not read back yet
    assert post_task(client, dev, {"name": "refreshObject", "objectName": ping}).status_code == 200
    acs = emu.acs_values(dev, ping)
    assert acs[f"{ping}.DiagnosticsState"] == "Complete" and acs[f"{ping}.SuccessCount"] == 4


def test_tr181_device(emu: EmulatorHandle, client: httpx.Client) -> None:
    d = emu.add_device("TR181-0001", model="TR181")
    key = "Device.WiFi.AccessPoint.1.Security.KeyPassphrase"
    r = post_task(client, d, spv(("Device.WiFi.SSID.1.SSID", "tr181"), (key, "longenough"),
                                 ("Device.WiFi.AccessPoint.1.Security.ModeEnabled", "WPA3-Personal")))
    assert r.status_code == 200
    assert emu.cpe_values(d, "Device.WiFi")["Device.WiFi.SSID.1.SSID"] == "tr181"
    r = post_task(client, d, spv((key, "short")))
    assert r.reason_phrase == "Task faulted"


def test_reboot_and_factory_reset(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    emu.set_device(dev, reboot_time=0.3)
    before = get(client, "devices", {"_id": dev}, projection="_lastBoot")[0]["_lastBoot"]
    assert post_task(client, dev, {"name": "reboot"}).status_code == 200
    r = post_task(client, dev, b"")
    assert (r.status_code, r.reason_phrase) == (504, "Device is offline")  # rebooting
    time.sleep(0.5)
    doc = get(client, "devices", {"_id": dev}, projection="_lastBoot,Reboot")[0]
    assert doc["_lastBoot"] > before and doc["Reboot"]["_type"] == "xsd:dateTime"
    assert emu.rpc_counts(dev)["Reboot"] == 1
    post_task(client, dev, spv((SSID, "before-reset")))
    assert post_task(client, dev, {"name": "factoryReset"}).status_code == 200
    time.sleep(0.5)
    assert emu.cpe_values(dev, SSID)[SSID] == "Anlix-EG8145"
    assert emu.acs_values(dev, SSID)[SSID] == "Anlix-EG8145"  # bootstrap cleared GenieACS's copy


def test_download_outcome_arrives_later(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    emu.set_device(dev, download_time=0.1, reboot_time=0.1)
    assert client.put("/files/fw.bin", content=b"x", headers={"fileType": "1 Firmware Upgrade Image",
                                                             "version": "V9"}).status_code == 201
    r = post_task(client, dev, {"name": "download", "fileType": "1 Firmware Upgrade Image", "fileName": "fw.bin"})
    assert r.status_code == 200  # done = DownloadResponse, not installed
    time.sleep(0.4)
    assert emu.cpe_values(dev, SW)[SW] == "V9"
    r = post_task(client, dev, {"name": "download", "fileType": "1 Firmware Upgrade Image", "fileName": "missing"})
    assert r.status_code == 200
    time.sleep(0.4)
    (fault,) = get(client, "faults")
    assert fault["code"] == "cwmp.9016" and get(client, "tasks") == []  # a fault for a task that is gone
    r = post_task(client, dev, {"name": "download", "file": "fw.bin"})  # what the GUI sends
    assert r.reason_phrase == "Task faulted"
    assert any(f["code"] == "script.Error" for f in get(client, "faults"))


def test_add_and_delete_object(emu: EmulatorHandle, client: httpx.Client, dev: str) -> None:
    wcd = f"{IGD}.WANDevice.1.WANConnectionDevice"
    before = emu.cpe_values(dev, wcd)
    r = post_task(client, dev, {"name": "addObject", "objectName": wcd})
    assert r.status_code == 200
    new = set(emu.cpe_values(dev, wcd)) - set(before)
    assert new and emu.rpc_counts(dev)["AddObject"] == 1
    inst = sorted(new)[0].split(".")[4]
    r = post_task(client, dev, {"name": "deleteObject", "objectName": f"{wcd}.{inst}."})
    assert r.status_code == 200 and set(emu.cpe_values(dev, wcd)) == set(before)


def test_control_endpoints(emu: EmulatorHandle) -> None:
    with httpx.Client(base_url=emu.control_url) as c:
        r = c.post("/_emulator/devices", json={"serial": "CTL-1", "model": "TR181", "latency": 0.0})
        assert r.status_code == 201
        dev_id = r.json()["_id"]
        assert dev_id == "00D09E-TR181%2DONT-CTL%2D1"
        r = c.patch(f"/_emulator/devices/{encode_id(dev_id)}", json={"online": False, "strict_unknown_paths": True})
        assert r.json()["online"] is False and r.json()["strict_unknown_paths"] is True
        r = c.post(f"/_emulator/devices/{encode_id(dev_id)}/cpe", json={"set": {"Device.WiFi.SSID.1.SSID": "drift"}})
        assert r.status_code == 200
        vals = c.get(f"/_emulator/devices/{encode_id(dev_id)}/values", params={"prefix": "Device.WiFi.SSID"}).json()
        assert vals["Device.WiFi.SSID.1.SSID"] == "drift"
        acs = c.get(f"/_emulator/devices/{encode_id(dev_id)}/values",
                    params={"prefix": "Device.WiFi.SSID", "side": "acs"}).json()
        assert acs["Device.WiFi.SSID.1.SSID"] == "PONSTACK-2G"
        c.patch(f"/_emulator/devices/{encode_id(dev_id)}", json={"online": True})
        before = c.get(f"/_emulator/devices/{encode_id(dev_id)}").json()["sessions"]
        c.post(f"/_emulator/devices/{encode_id(dev_id)}/inform", json={"event": "2 PERIODIC"})
        assert c.get(f"/_emulator/devices/{encode_id(dev_id)}").json()["sessions"] == before + 1
        assert c.patch(f"/_emulator/devices/{encode_id(dev_id)}", json={"nope": 1}).status_code == 400
        assert c.post("/_emulator/reset").status_code == 200
        assert c.get("/_emulator/stats").json()["devices"] == 0


def test_periodic_informs_update_last_inform() -> None:
    h = start_emulator(inform_interval=0.3)
    try:
        d = h.add_device("PERIODIC-1")
        t0 = h.device_info(d)["last_inform"]
        time.sleep(0.8)
        assert h.device_info(d)["sessions"] >= 1 and h.device_info(d)["last_inform"] > t0
    finally:
        h.stop()

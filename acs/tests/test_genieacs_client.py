"""GenieAcsClient against the NBI emulator (lab/genieacs), a real HTTP server on loopback
that answers as GenieACS 1.2.16's lib/nbi.ts does, reason phrases included.

The emulator's waits are shortened (lock 1 s instead of 30 s, session end 2 s instead of
120 s) and the client is told the same, so every outcome is reached in seconds. The few
answers the emulator cannot produce for a task this client agrees to send (a 400, a 500,
a reason phrase stripped by a proxy) are checked with httpx.MockTransport at the end.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from acs import nbi_tasks as t
from acs.genieacs import (
    AcsClient,
    AcsError,
    AcsUnavailable,
    AmbiguousDevice,
    DeviceInSession,
    DeviceNotFound,
    GenieAcsClient,
    InvalidTask,
    Outcome,
    PushResult,
    TaskNotFound,
    is_private_url,
)
from lab.genieacs.server import EmulatorHandle, start_emulator
from lab.tcp_proxy import TcpProxy

SSID = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID"
KEY = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.PreSharedKey.1.KeyPassphrase"
VERSION = "InternetGatewayDevice.DeviceInfo.SoftwareVersion"
LOCK_WAIT, END_WAIT = 1.0, 2.0

_serials = iter(range(10**6))


@pytest.fixture(scope="module")
def emu() -> Iterator[EmulatorHandle]:
    handle = start_emulator(lock_wait=LOCK_WAIT, session_end_timeout=END_WAIT, poll_interval=0.05,
                            online_threshold_ms=500)
    yield handle
    handle.stop()


@pytest.fixture()
def client(emu: EmulatorHandle) -> Iterator[GenieAcsClient]:
    with _client(emu.url) as c:
        yield c


def _client(url: str, **kw: object) -> GenieAcsClient:
    options: dict[str, object] = {"session_lock_wait_s": LOCK_WAIT, "session_end_wait_s": END_WAIT,
                                  "connection_request_s": 0.1, "backoff_s": 0.01}
    options.update(kw)
    return GenieAcsClient(url, **options)  # type: ignore[arg-type]


def _device(emu: EmulatorHandle, **flags: object) -> tuple[str, str]:
    serial = f"PSTEST{next(_serials):08d}"
    dev = emu.add_device(serial, model="EG8145V5")
    if flags:
        emu.set_device(dev, **flags)
    return dev, serial


def test_client_satisfies_the_protocol(client: GenieAcsClient) -> None:
    acs: AcsClient = client
    assert acs.check().ok


# --- connection test ----------------------------------------------------------------------------------

def test_check_reports_the_version(client: GenieAcsClient) -> None:
    result = client.check()
    assert result.ok and result.version == "1.2.16"
    assert result.text.startswith("GenieACS 1.2.16 at http://127.0.0.1:")
    assert "warning" not in result.text
    assert client.ping() == result.text


def test_private_addresses() -> None:
    assert is_private_url("http://127.0.0.1:7557") and is_private_url("http://10.1.2.3:7557")
    assert is_private_url("http://[::1]:7557") and is_private_url("http://localhost:7557")
    assert not is_private_url("http://93.184.216.34:7557") and not is_private_url("http://acs.example.net")


def test_check_when_the_nbi_is_down(emu: EmulatorHandle, client: GenieAcsClient) -> None:
    emu.nbi_down()
    try:
        result = client.check()
    finally:
        emu.nbi_up()
    assert not result.ok and "unreachable" in result.text


# --- devices ------------------------------------------------------------------------------------------

def test_find_and_get_device(emu: EmulatorHandle, client: GenieAcsClient) -> None:
    dev, serial = _device(emu)
    found = client.find_device(serial)
    assert found is not None and found.device_id == dev == f"00259E-EG8145V5-{serial}"
    assert (found.oui, found.product_class, found.serial) == ("00259E", "EG8145V5", serial)
    assert found.last_inform is not None and found.last_inform.tzinfo is not None
    assert client.get_device(dev) == found
    assert client.find_device("NOSUCHSERIAL") is None
    assert client.get_device("00259E-EG8145V5-NOSUCH") is None
    with pytest.raises(InvalidTask, match="pattern"):
        client.find_device("PSTEST*")  # lib/query.ts L30-31 would make it a wildcard


def test_find_device_with_an_escaped_id(emu: EmulatorHandle, client: GenieAcsClient) -> None:
    dev = emu.add_device("SR360NA0A4-0003196", model="EG8145V5", oui="00236a", product_class="96318REF")
    assert dev == "00236a-96318REF-SR360NA0A4%2D0003196" == t.device_id("00236a", "96318REF", "SR360NA0A4-0003196")
    found = client.find_device("SR360NA0A4-0003196")
    assert found is not None and found.device_id == dev
    result = client.push(dev, t.get_parameter_values([VERSION]), timeout_ms=500)  # path segment: %252D
    assert result.outcome is Outcome.APPLIED


def test_two_devices_with_one_serial(emu: EmulatorHandle, client: GenieAcsClient) -> None:
    serial = f"PSDUP{next(_serials):08d}"
    emu.add_device(serial, model="EG8145V5")
    emu.add_device(serial, model="EG8145V5", oui="E0E8E6")
    with pytest.raises(AmbiguousDevice, match=serial):
        client.find_device(serial)


def test_devices_informed_since(emu: EmulatorHandle, client: GenieAcsClient) -> None:
    devs = [_device(emu)[0] for _ in range(3)]
    time.sleep(0.01)
    since = datetime.now(UTC)
    time.sleep(0.01)
    for dev in devs[:2]:
        emu.inform(dev)
    recent = client.devices_informed_since(since, page_size=1)  # paged one by one
    assert {d.device_id for d in recent} == set(devs[:2])
    assert all(d.last_inform is not None and d.last_inform >= since - timedelta(milliseconds=1) for d in recent)
    assert devs[2] in {d.device_id for d in client.devices_informed_since(since - timedelta(minutes=5))}


# --- values -------------------------------------------------------------------------------------------

def test_values_and_discovered(emu: EmulatorHandle, client: GenieAcsClient) -> None:
    dev, _ = _device(emu)
    missing = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.9.SSID"
    values = client.values(dev, [SSID, VERSION, missing, "InternetGatewayDevice.LANDevice.1"])
    assert set(values) == {SSID, VERSION}  # not the absent path, not the object
    assert values[SSID].type == "xsd:string" and values[SSID].writable is True
    assert values[VERSION].writable is False and values[VERSION].timestamp is not None
    assert client.discovered(dev, [SSID, missing, "InternetGatewayDevice.LANDevice.1"]) == {
        SSID, "InternetGatewayDevice.LANDevice.1"}
    with pytest.raises(DeviceNotFound):
        client.values("00259E-EG8145V5-NOSUCH", [SSID])
    with pytest.raises(InvalidTask):
        client.values(dev, ["InternetGatewayDevice.LANDevice.*.SSID"])


def test_values_of_many_paths_in_several_requests(emu: EmulatorHandle, client: GenieAcsClient) -> None:
    dev, _ = _device(emu)
    paths = [f"InternetGatewayDevice.LANDevice.1.WLANConfiguration.{i}.SSID" for i in range(1, 9)]
    paths += [f"InternetGatewayDevice.X_Padding_{i:03d}.{'A' * 40}" for i in range(200)]  # > 6000 bytes
    values = client.values(dev, paths)
    assert SSID in values and not any(p.startswith("InternetGatewayDevice.X_Padding") for p in values)


# --- push: the six outcomes -----------------------------------------------------------------------------

def test_applied(emu: EmulatorHandle, client: GenieAcsClient) -> None:
    dev, _ = _device(emu)
    result = client.push(dev, t.set_parameter_values({SSID: "Casa-42"}, unique_key="wifi-1"), timeout_ms=500)
    assert (result.outcome, result.status_code) == (Outcome.APPLIED, 200)
    assert result.task_id and client.task(result.task_id) is None  # done tasks are deleted
    assert client.values(dev, [SSID])[SSID].value == "Casa-42"
    assert emu.cpe_values(dev, SSID)[SSID] == "Casa-42"


def test_queued_without_connection_request(emu: EmulatorHandle, client: GenieAcsClient) -> None:
    dev, _ = _device(emu)
    first = client.push(dev, t.set_parameter_values({SSID: "a"}, unique_key="wifi"), connection_request=False)
    assert (first.outcome, first.status_code) == (Outcome.QUEUED, 202)
    assert first.task_id and client.task(first.task_id) is not None
    # uniqueKey replaces the queued task (lib/api-functions.ts L362-367)
    second = client.push(dev, t.set_parameter_values({SSID: "b"}, unique_key="wifi"), connection_request=False)
    assert second.task_id and client.task(first.task_id) is None
    found = client.find_task_by_unique_key(dev, "wifi")
    assert found is not None and found["_id"] == second.task_id
    assert client.find_task_by_unique_key(dev, "other") is None
    emu.inform(dev)  # the next inform runs it
    assert client.task(second.task_id) is None
    assert client.values(dev, [SSID])[SSID].value == "b"


def test_queued_when_the_session_does_not_start_in_time(emu: EmulatorHandle, client: GenieAcsClient) -> None:
    dev, _ = _device(emu, inform_delay=1.0)  # the CPE answers the connection request late
    result = client.push(dev, t.reboot(), timeout_ms=300)
    assert (result.outcome, result.status_code) == (Outcome.QUEUED, 202)
    assert "did not start a session within 300 ms" in result.detail
    assert result.task_id


def test_device_busy_when_in_session(emu: EmulatorHandle, client: GenieAcsClient) -> None:
    dev, _ = _device(emu, in_session=True)  # another session holds the lock (lib/nbi.ts L316-332)
    result = client.push(dev, t.get_parameter_values([VERSION]), timeout_ms=200)
    assert (result.outcome, result.status_code) == (Outcome.DEVICE_BUSY, 202)
    assert "already in a session" in result.detail
    assert result.task_id and client.task(result.task_id) is not None  # stored all the same
    with pytest.raises(DeviceInSession):  # lib/nbi.ts L439-443
        client.delete_task(result.task_id)


def test_device_busy_when_the_session_does_not_end(emu: EmulatorHandle, client: GenieAcsClient) -> None:
    dev, _ = _device(emu, latency=END_WAIT + 1.5)  # a slow session (lib/nbi.ts L392-397)
    result = client.push(dev, t.get_parameter_values([VERSION]), timeout_ms=500)
    assert (result.outcome, result.status_code) == (Outcome.DEVICE_BUSY, 202)
    assert "did not end" in result.detail


def test_faulted(emu: EmulatorHandle, client: GenieAcsClient) -> None:
    dev, _ = _device(emu, reject_values={SSID: []})  # the CPE answers 9007 to any value
    result = client.push(dev, t.set_parameter_values({SSID: "bad"}), timeout_ms=500)
    assert (result.outcome, result.status_code) == (Outcome.FAULTED, 202)
    assert result.fault is not None and result.fault.code == "cwmp.9007"
    assert result.detail.startswith("cwmp.9007: ")
    assert result.task_id is not None
    assert client.fault_of(dev, result.task_id) == result.fault
    assert client.task(result.task_id) is not None  # a faulted task stays queued
    client.retry_task(result.task_id)  # only clears the fault (lib/nbi.ts L461-484)
    assert client.fault_of(dev, result.task_id) is None and client.task(result.task_id) is not None
    assert client.delete_task(result.task_id) is True
    assert client.task(result.task_id) is None
    assert client.delete_task(result.task_id) is False


@pytest.mark.parametrize(("flags", "reason"), [
    ({"online": False}, "Device is offline"),  # lib/connection-request.ts L143-144
    ({"cr_error": "Connection request error: Incorrect connection request credentials"},
     "Incorrect connection request credentials"),  # L169
])
def test_connection_request_failed(emu: EmulatorHandle, client: GenieAcsClient, flags: dict[str, object],
                                   reason: str) -> None:
    dev, _ = _device(emu, **flags)
    result = client.push(dev, t.reboot(), timeout_ms=500)
    assert (result.outcome, result.status_code) == (Outcome.CONNECTION_REQUEST_FAILED, 202)
    assert reason in result.detail
    assert result.task_id and client.task(result.task_id) is not None  # queued for the next inform


def test_bare_connection_request(emu: EmulatorHandle, client: GenieAcsClient) -> None:
    dev, _ = _device(emu)
    assert client.connection_request(dev).outcome is Outcome.APPLIED
    emu.set_device(dev, online=False)
    result = client.connection_request(dev)  # lib/nbi.ts L300-302: 504 + the error
    assert (result.outcome, result.status_code, result.detail) == (
        Outcome.CONNECTION_REQUEST_FAILED, 504, "Device is offline")
    with pytest.raises(DeviceNotFound):
        client.connection_request("00259E-EG8145V5-NOSUCH")


def test_unknown_device(client: GenieAcsClient) -> None:
    for connection_request in (True, False):
        with pytest.raises(DeviceNotFound, match="NOSUCH"):
            client.push("00259E-EG8145V5-NOSUCH", t.reboot(), connection_request=connection_request, timeout_ms=500)


def test_unknown_when_the_connection_drops(emu: EmulatorHandle, client: GenieAcsClient) -> None:
    dev, _ = _device(emu, latency=1.5)
    results: list[PushResult] = []
    pusher = threading.Thread(target=lambda: results.append(
        client.push(dev, t.set_parameter_values({SSID: "x"}, unique_key="drop"), timeout_ms=500)))
    pusher.start()
    time.sleep(0.5)  # the task is stored; the NBI waits for the session
    emu.nbi_down()  # every socket is cut, no answer
    pusher.join(10)
    emu.nbi_up()
    assert results and results[0].outcome is Outcome.UNKNOWN and results[0].status_code is None
    assert "may or may not" in results[0].detail
    # check before resending: the task was stored before the drop, so it is not sent again
    found = client.find_task_by_unique_key(dev, "drop")
    assert found is not None and found["_id"]
    deadline = time.monotonic() + 5
    while client.task(found["_id"]) is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert client.values(dev, [SSID])[SSID].value == "x"  # it ran in the session after all


# --- transport: retries before sending only --------------------------------------------------------------

def test_connect_errors_are_retried_with_backoff(emu: EmulatorHandle) -> None:
    delays: list[float] = []

    def sleep(seconds: float) -> None:
        delays.append(seconds)
        if len(delays) == 2:
            emu.nbi_up()

    dev, _ = _device(emu)
    emu.nbi_down()
    with _client(emu.url, sleep=sleep) as c:
        result = c.push(dev, t.reboot(), connection_request=False)
    assert delays == [0.01, 0.02] and result.outcome is Outcome.QUEUED


def test_unreachable_after_the_retries(emu: EmulatorHandle) -> None:
    delays: list[float] = []
    emu.nbi_down()
    try:
        with _client(emu.url.replace("http://", "http://admin:s3cret@"), sleep=delays.append,
                     connect_retries=3) as c:
            with pytest.raises(AcsUnavailable) as caught:
                c.push("00259E-EG8145V5-X", t.reboot(), timeout_ms=500)
            assert "s3cret" not in repr(c) and "s3cret" not in c.base_url
    finally:
        emu.nbi_up()
    assert delays == [0.01, 0.02, 0.04]
    assert "unreachable" in str(caught.value) and "s3cret" not in str(caught.value)


def test_malformed_ids_never_reach_the_nbi(emu: EmulatorHandle, client: GenieAcsClient) -> None:
    crashes = emu.crashes
    with pytest.raises(InvalidTask):
        client.delete_task("not-an-object-id")  # lib/nbi.ts L428: new ObjectId() would crash it
    with pytest.raises(InvalidTask):
        client.task("zz")
    with pytest.raises(TaskNotFound):
        client.retry_task("0123456789abcdef01234567")  # 1.2.16 crashes on a missing task (L463-468)
    with pytest.raises(InvalidTask, match="trailing dot"):
        client.push("00259E-EG8145V5-X", {"name": "refreshObject", "objectName": "InternetGatewayDevice."})
    with pytest.raises(InvalidTask, match="timeout_ms"):
        client.push("00259E-EG8145V5-X", t.reboot(), timeout_ms=1500)  # too close to the 1 s lock wait
    assert emu.crashes == crashes


# --- an authenticating proxy in front of the NBI ----------------------------------------------------------

class AuthProxy(TcpProxy):
    """A reverse proxy that demands HTTP basic credentials and a header, then forwards the
    connection byte for byte (reason phrases intact), as nginx in front of GenieACS would."""

    def __init__(self, target: tuple[str, int], user: str, password: str, header: tuple[str, str]) -> None:
        self.expected = {"authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode(),
                         header[0].lower(): header[1]}
        self.seen: list[dict[str, str]] = []
        super().__init__(target)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode("latin-1").split("\r\n")[1:] if ": " in line)
        headers = {k.lower(): v for k, v in headers.items()}
        self.seen.append(headers)
        if any(headers.get(k) != v for k, v in self.expected.items()):
            writer.write(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            writer.close()
            return
        target_reader, target_writer = await asyncio.open_connection(*self.target)
        target_writer.write(head)
        await asyncio.gather(_pipe(reader, target_writer), _pipe(target_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


def test_credentials_and_headers_reach_the_proxy(emu: EmulatorHandle) -> None:
    dev, _ = _device(emu)
    proxy = AuthProxy(("127.0.0.1", emu.port), "ponstack", "pr0xy-pass", ("X-Api-Key", "k-123"))
    with proxy:
        url = f"http://127.0.0.1:{proxy.port}"
        with _client(url, username="ponstack", password="pr0xy-pass", headers={"X-Api-Key": "k-123"}) as c:
            assert c.check().ok
            result = c.push(dev, t.set_parameter_values({SSID: "via-proxy"}), timeout_ms=500)
            assert result.outcome is Outcome.APPLIED  # the reason phrase crossed the proxy too
            assert "pr0xy-pass" not in repr(c)
        assert proxy.seen[0]["authorization"] == proxy.expected["authorization"]
        assert proxy.seen[0]["x-api-key"] == "k-123"
        with _client(url) as anonymous:
            result_check = anonymous.check()
            assert not result_check.ok and "401" in result_check.text
            with pytest.raises(AcsError, match="proxy"):
                anonymous.push(dev, t.reboot(), timeout_ms=500)


# --- redaction ------------------------------------------------------------------------------------------

def test_secrets_stay_out_of_logs(emu: EmulatorHandle, client: GenieAcsClient,
                                  caplog: pytest.LogCaptureFixture) -> None:
    dev, _ = _device(emu)
    task = t.set_parameter_values({SSID: "Casa", KEY: "correct-horse-battery"})
    with caplog.at_level(logging.DEBUG, logger="acs.genieacs"):
        result = client.push(dev, task, timeout_ms=500)
    assert result.outcome is Outcome.APPLIED
    assert "correct-horse-battery" not in caplog.text and "***" in caplog.text
    assert t.redacted(task)["parameterValues"][1] == [KEY, "***"]


# --- answers the emulator does not give for a valid task (httpx.MockTransport) ----------------------------

def _mock(status: int, reason: bytes, body: bytes = b"", *, after: list[httpx.Request] | None = None,
          faults: bytes = b"[]") -> GenieAcsClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if after is not None:
            after.append(request)
        if request.url.path == "/faults/":
            return httpx.Response(200, content=faults, headers={"Content-Type": "application/json"})
        return httpx.Response(status, content=body, extensions={"reason_phrase": reason})

    return _client("http://127.0.0.1:7557", transport=httpx.MockTransport(handler))


TASK_BODY = b'{"name":"reboot","_id":"6b130c31f958bb52ec66dd4f","device":"d"}'


def test_bad_request_is_an_invalid_task() -> None:
    with _mock(400, b"Bad Request", b"SyntaxError: Unexpected token") as c, pytest.raises(InvalidTask, match="Syntax"):
        c.push("d", t.reboot(), timeout_ms=500)


@pytest.mark.parametrize(("status", "reason"), [(500, b"Internal Server Error"), (502, b"Bad Gateway"),
                                                (504, b"Gateway Timeout")])
def test_server_errors_leave_the_task_unknown(status: int, reason: bytes) -> None:
    with _mock(status, reason, b"<html>proxy</html>") as c:
        result = c.push("d", t.reboot(), timeout_ms=500)
    assert result.outcome is Outcome.UNKNOWN and result.status_code == status


def test_a_stripped_reason_phrase_is_resolved_by_the_fault() -> None:
    with _mock(202, b"", TASK_BODY) as c:
        assert c.push("d", t.reboot(), timeout_ms=500).outcome is Outcome.QUEUED
    fault = b'[{"_id":"d:task_6b130c31f958bb52ec66dd4f","code":"cwmp.9001","message":"Request denied",' \
            b'"retries":0,"provisions":"[[\\"reboot\\"]]","timestamp":"2026-12-04T18:00:00.000Z"}]'
    with _mock(202, b"Accepted", TASK_BODY, faults=fault) as c:
        result = c.push("d", t.reboot(), timeout_ms=500)
    assert result.outcome is Outcome.FAULTED and result.fault is not None
    assert result.fault.provisions == [["reboot"]]  # stored as a JSON string (lib/cwmp/db.ts L592)


def test_device_in_session_503() -> None:
    with _mock(503, b"Service Unavailable", b"Device is in session") as c:
        assert c.push("d", t.reboot(), timeout_ms=500).outcome is Outcome.DEVICE_BUSY


def test_push_sends_connection_request_and_a_numeric_timeout() -> None:
    seen: list[httpx.Request] = []
    with _mock(200, b"OK", TASK_BODY, after=seen) as c:
        c.push("00236a-96318REF-SR360NA0A4%2D0003196", t.reboot(), timeout_ms=700)
    expected = b"/devices/00236a-96318REF-SR360NA0A4%252D0003196/tasks?connection_request&timeout=700"
    assert seen[0].url.raw_path == expected
    assert seen[0].headers["content-type"] == "application/json"


def _raising(error: Exception) -> GenieAcsClient:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return _client("http://127.0.0.1:7557", transport=httpx.MockTransport(handler), sleep=lambda s: None)


def test_a_read_timeout_after_sending_is_unknown() -> None:
    with _raising(httpx.ReadTimeout("timed out")) as c:
        result = c.push("d", t.reboot(), timeout_ms=500)
        assert result.outcome is Outcome.UNKNOWN and "ReadTimeout" in result.detail
        with pytest.raises(AcsUnavailable, match="in time"):  # a slow read is not asked again
            c.task("6b130c31f958bb52ec66dd4f")
    with _raising(httpx.RemoteProtocolError("Server disconnected")) as c:
        assert c.push("d", t.reboot(), timeout_ms=500).outcome is Outcome.UNKNOWN
        with pytest.raises(AcsError, match="outcome is unknown"):
            c.delete_task("6b130c31f958bb52ec66dd4f")

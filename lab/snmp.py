"""SNMP side of the lab: .snmprec recordings of simulated OLTs and snmpsim agents serving them.

A recording is generated from a simulated OLT's `snapshot()` with the same OID
maps and index encoders the collector decodes with, so polling a lab agent
gives back the snapshot (within the column scales).

snmpsim re-reads a recording when its mtime (whole seconds) changes, so
`SnmpAgent.publish()` rewrites the file and bumps its mtime: no restart needed.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from oms.monitoring.indexes import INDEX_FORMATS, Position, encode_index
from oms.monitoring.oid_defaults import default_maps_for
from oms.monitoring.oidmap import OidMapEntry

Record = tuple[tuple[int, ...], str, str]  # (oid, snmprec tag, value text)

SYS_OBJECT_IDS = {
    "huawei_smartax": "1.3.6.1.4.1.2011.2.248",
    "zte_c3xx": "1.3.6.1.4.1.3902.1082.1001.320",
    "zte_c6xx": "1.3.6.1.4.1.3902.1082.1001.600",
}
_STATE_ALIASES = {
    "working": "online",
    "up": "online",
    "dyinggasp": "dying_gasp",
    "poweroff": "power_off",
    "lost": "los",
    "down": "offline",
    "inservice": "in_service",
    "standby": "hw_online",
}
#: Huawei's board status column has no public enum: the lab writes 1 for a healthy board, 2 otherwise.
_LAB_BOARD_CODES = {"normal": 1, "active_normal": 1, "standby_normal": 1}


def _label(text: str) -> str:
    label = re.sub(r"[^a-z0-9]+", "_", str(text).strip().lower()).strip("_")
    return _STATE_ALIASES.get(label, label)


def _oid(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _hex(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return data.hex()


def serial_bytes(serial: str) -> bytes:
    """'HWTC1F14CAAD' -> b'HWTC' + 4 raw bytes, as OLTs return hwGponDeviceOntSn."""
    if re.fullmatch(r"[A-Za-z]{4}[0-9A-Fa-f]{8}", serial):
        return serial[:4].upper().encode() + bytes.fromhex(serial[4:])
    return serial.encode()


#: the code a real OLT uses for a state when several codes decode to it (e.g. ZTE syncMib and working)
_PREFERRED_CODES = {
    ("zte_c3xx", "onu_status"): {"online": 3, "offline": 6},
    ("zte_c6xx", "onu_status"): {"online": 4, "offline": 7},
}


def _inverse(entry: OidMapEntry, wanted: Any, fallbacks: Iterable[str] = ()) -> int | None:
    if isinstance(wanted, int) or (isinstance(wanted, str) and re.fullmatch(r"-?\d+", wanted)):
        return int(wanted)
    if wanted is None and entry.sentinels:
        return entry.sentinels[0]
    by_target: dict[str, int] = {}
    for raw, target in sorted(entry.value_map.items(), key=lambda item: int(item[0])):
        by_target.setdefault(target, int(raw))
    by_target.update(_PREFERRED_CODES.get((entry.vendor_family, entry.metric), {}))
    label = None if wanted is None else re.sub(r"[^a-z0-9]+", "_", str(wanted).strip().lower()).strip("_")
    wanted_labels = () if label is None else (label, _STATE_ALIASES.get(label, label))
    for candidate in (*wanted_labels, *fallbacks):
        if candidate in by_target:
            return by_target[candidate]
    return entry.sentinels[0] if entry.sentinels else None


_ENUM_FALLBACKS = {
    "onu_status": ("offline", "unknown"),
    "pon_port_status": ("down", "unknown"),
    "onu_last_down_cause": ("normal", "unknown"),  # an ONU that never went down
}


def _encode_value(entry: OidMapEntry, value: Any) -> tuple[str, str] | None:
    """(tag, value text) for one snapshot value, the inverse of oidmap.decode_value."""
    if entry.value_type == "serial":
        return None if value is None else ("4x", _hex(serial_bytes(str(value))))
    if entry.value_type == "string":
        return None if value is None else ("4x", _hex(str(value)))
    if entry.value_type == "enum" and entry.metric == "board_status" and not entry.value_map:
        raw = _LAB_BOARD_CODES.get(_label(value), 2) if value is not None else None
    elif entry.value_type == "enum":
        raw = _inverse(entry, value, _ENUM_FALLBACKS.get(entry.metric, ()))
    elif value is None:
        raw = entry.sentinels[0] if entry.sentinels else None
    else:
        raw = round((float(value) - entry.offset) / entry.scale)
    return None if raw is None else ("2", str(raw))


_ONU_FIELDS = {
    "onu_status": "run_state",
    "onu_rx_power": "rx_dbm",
    "onu_tx_power": "tx_dbm",
    "onu_olt_rx_power": "olt_rx_dbm",
    "onu_distance": "distance_m",
    "onu_last_down_cause": "last_down_cause",
    "onu_serial": "serial",
    "onu_description": "description",
}


def _objects(entry: OidMapEntry, snapshot: dict[str, Any]) -> Iterator[tuple[Position, Any]]:
    level = INDEX_FORMATS[entry.index_format].level
    if entry.metric in _ONU_FIELDS:
        field = _ONU_FIELDS[entry.metric]
        for onu in snapshot.get("onus", []):
            yield Position(onu["frame"], onu["slot"], onu["port"], onu["onu_id"]), onu.get(field)
    elif entry.metric == "pon_port_status":
        for port in snapshot.get("ports", []):
            yield (
                Position(port["frame"], port["slot"], port["port"]),
                "up" if port.get("admin_up", True) else "down",
            )
    elif entry.metric == "pon_port_tx_power":
        for port in snapshot.get("ports", []):
            yield Position(port["frame"], port["slot"], port["port"]), port.get("tx_dbm")
    elif entry.metric == "board_status":
        for board in snapshot.get("boards", []):
            yield Position(board["frame"], board["slot"]), board.get("status")
    else:  # OLT CPU / temperature: per board, or one scalar
        key, default = ("cpu_pct", 7) if entry.metric == "olt_cpu" else ("temperature_c", 41)
        if level == "olt":
            yield Position(), snapshot.get(key, default)
            return
        for board in snapshot.get("boards", []):
            yield Position(board["frame"], board["slot"]), board.get(key, snapshot.get(key, default))


def records_for_entry(entry: OidMapEntry, snapshot: dict[str, Any]) -> list[Record]:
    column = _oid(entry.oid)
    records = []
    for position, value in _objects(entry, snapshot):
        encoded = _encode_value(entry, value)
        if encoded is not None:
            records.append(((*column, *encode_index(entry.index_format, position)), *encoded))
    return records


def system_records(snapshot: dict[str, Any], family: str, uptime_ticks: int = 8_640_000) -> list[Record]:
    descr = f"{snapshot.get('model', 'OLT')} {snapshot.get('software_version', '')}".strip()
    return [
        ((1, 3, 6, 1, 2, 1, 1, 1, 0), "4x", _hex(descr)),
        ((1, 3, 6, 1, 2, 1, 1, 2, 0), "6", SYS_OBJECT_IDS.get(family, "1.3.6.1.4.1.8072.3.2.10")),
        ((1, 3, 6, 1, 2, 1, 1, 3, 0), "67", str(snapshot.get("uptime_ticks", uptime_ticks))),
        ((1, 3, 6, 1, 2, 1, 1, 5, 0), "4x", _hex(snapshot.get("sysname", "olt"))),
    ]


def build_records(
    snapshot: dict[str, Any], family: str, entries: Iterable[OidMapEntry] | None = None
) -> list[Record]:
    """Every record of one OLT recording, sorted and de-duplicated as snmpsim requires."""
    if entries is None:
        entries = [OidMapEntry.from_dict(row) for row in default_maps_for(family)]
    records = {oid: (oid, tag, value) for oid, tag, value in system_records(snapshot, family)}
    for entry in entries:
        if entry.enabled:
            records.update({rec[0]: rec for rec in records_for_entry(entry, snapshot)})
    return [records[oid] for oid in sorted(records)]


def render(records: Iterable[Record]) -> str:
    return "".join(f"{'.'.join(map(str, oid))}|{tag}|{value}\n" for oid, tag, value in records)


def write_recording(path: Path, records: Iterable[Record]) -> Path:
    """Write atomically and make sure the mtime (whole seconds for snmpsim) moves forward."""
    path.parent.mkdir(parents=True, exist_ok=True)
    previous = int(path.stat().st_mtime) if path.exists() else 0
    tmp = path.with_suffix(".tmp")
    tmp.write_text(render(records))
    os.replace(tmp, path)
    stamp = max(previous + 1, int(time.time()))
    os.utime(path, (stamp, stamp))
    return path


def free_udp_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _responder_path() -> str:
    candidate = Path(sys.executable).with_name("snmpsim-command-responder")
    found = str(candidate) if candidate.exists() else shutil.which("snmpsim-command-responder")
    if not found:
        raise RuntimeError("snmpsim-command-responder not found next to the Python interpreter or on PATH")
    return found


class SnmpAgent:
    """An snmpsim command responder on 127.0.0.1:<port> serving `data_dir`.

    v2c: community = recording file name without .snmprec. v3 (optional): one
    user with SHA auth / AES priv; the context name selects the recording.
    """

    def __init__(
        self,
        data_dir: Path | None = None,
        port: int | None = None,
        host: str = "127.0.0.1",
        v3_user: str | None = None,
        v3_auth_key: str | None = None,
        v3_priv_key: str | None = None,
    ) -> None:
        self._tmp = None if data_dir else tempfile.TemporaryDirectory(prefix="ponstack-snmpsim-")
        self.data_dir = Path(data_dir or self._tmp.name)  # type: ignore[union-attr]
        self.host = host
        self.port = port or free_udp_port(host)
        self.v3_user, self.v3_auth_key, self.v3_priv_key = v3_user, v3_auth_key, v3_priv_key
        self.process: subprocess.Popen[bytes] | None = None
        self._cache_dir = tempfile.TemporaryDirectory(prefix="ponstack-snmpsim-cache-")
        self._log = tempfile.TemporaryFile()  # noqa: SIM115  # lives as long as the agent

    def publish(
        self, name: str, snapshot: dict[str, Any], family: str, entries: Iterable[OidMapEntry] | None = None
    ) -> Path:
        """(Re)write the recording for community `name` from a sim snapshot."""
        return write_recording(self.data_dir / f"{name}.snmprec", build_records(snapshot, family, entries))

    def write_text(self, name: str, text: str) -> Path:
        path = self.data_dir / f"{name}.snmprec"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def command(self) -> list[str]:
        cmd = [_responder_path()]
        if self.v3_user:
            cmd += ["--v3-engine-id=auto", f"--v3-user={self.v3_user}"]
            if self.v3_auth_key:
                cmd += [f"--v3-auth-key={self.v3_auth_key}", "--v3-auth-proto=SHA"]
            if self.v3_priv_key:
                cmd += [f"--v3-priv-key={self.v3_priv_key}", "--v3-priv-proto=AES"]
        cmd += [
            f"--data-dir={self.data_dir}",
            f"--cache-dir={self._cache_dir.name}",
            f"--agent-udpv4-endpoint={self.host}:{self.port}",
            "--log-level=error",
        ]
        return cmd

    def start(self, probe_community: str | None = None, timeout_s: float = 20.0) -> SnmpAgent:
        env = {**os.environ, "SNMPSIM_ALLOW_ROOT": "true"}
        self.process = subprocess.Popen(
            self.command(), env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            self.wait_ready(probe_community or self._any_community(), timeout_s)
        except BaseException:
            self._terminate()  # never leave an agent behind when start() fails
            raise
        return self

    def _any_community(self) -> str:
        for path in sorted(self.data_dir.rglob("*.snmprec")):
            return str(path.relative_to(self.data_dir).with_suffix(""))
        raise RuntimeError(f"no .snmprec recording in {self.data_dir} to probe the agent with")

    def wait_ready(self, community: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(
                    f"snmpsim exited with {self.process.returncode}: {self.log_text()[-2000:]}"
                )
            if _answers(self.host, self.port, community):
                return
            time.sleep(0.2)
        raise RuntimeError(
            f"snmpsim on {self.host}:{self.port} did not answer within {timeout_s} s: "
            f"{self.log_text()[-2000:]}"
        )

    def log_text(self) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def _terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.process = None

    def stop(self) -> None:
        self._terminate()
        self._cache_dir.cleanup()
        self._log.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> SnmpAgent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _answers(host: str, port: int, community: str) -> bool:
    from oms.monitoring.collector import SnmpTarget, close_engine_for_loop, test_snmp

    async def probe() -> bool:
        try:
            target = SnmpTarget(host=host, port=port, community=community, timeout_s=0.3, retries=0)
            return bool((await test_snmp(target)).get("ok"))
        finally:
            close_engine_for_loop()

    return asyncio.run(probe())

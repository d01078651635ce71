"""A GenieACS NBI emulator: a real HTTP server on loopback that answers like GenieACS 1.2.16's NBI (port 7557).

GenieACS cannot run here (no MongoDB), so this reproduces, from its source, what an NBI client observes. Source
read: genieacs/genieacs tag **v1.2.16** (commit 38e9dfd0e6dcac51087d11040784fda76ad2460a). Every rule below
cites `file Lx-y @v1.2.16` next to the code that implements it. It is a plain asyncio HTTP/1.1 server (not
ASGI) because GenieACS puts its reasons in the HTTP *reason phrase* ("Task faulted", "Device is offline"),
which ASGI servers cannot send, and because a crashing worker must drop a connection without any response.

Start it
--------
    from lab.genieacs.server import start_emulator
    emu = start_emulator()                       # host="127.0.0.1", port=0 (ephemeral)
    dev = emu.add_device("48575443A94196A5", model="EG8145V5")   # -> device id (GenieACS `_id`)
    emu.url          # "http://127.0.0.1:PORT"  (the NBI; the /_emulator/ routes are served here too)
    emu.control_url  # a second port that serves only /_emulator/ and never goes down
    emu.stop()

`start_emulator(host="127.0.0.1", port=0, *, devices=0, model="EG8145V5", inform_interval=None,
poll_interval=0.5, lock_wait=30.0, online_threshold_ms=4000, retry_delay=300.0, restart_delay=2.0,
crash_minute=60.0, session_end_timeout=120.0)` -> `EmulatorHandle`. `devices=N` pre-registers N CPEs with
serials `PSLB%08d`. Timing knobs default to GenieACS's values and exist so tests can shorten them:
`poll_interval` (awaitSessionStart/End poll, 500 ms), `lock_wait` (NBI wait for the session lock, 30 s),
`online_threshold_ms` (cwmp.deviceOnlineThreshold, 4000), `retry_delay` (cwmp.retryDelay, 300 s),
`restart_delay` (worker respawn after a crash, >= 2 s), `crash_minute` (the length of a "minute" in the
too-many-crashes rule), `inform_interval` (periodic informs, seconds; None = off).

Handle API (thread-safe; every call runs on the emulator's loop)
----------------------------------------------------------------
- `add_device(serial, model="EG8145V5", oui=None, product_class=None, manufacturer=None, **flags) -> id`
  models: EG8145V5, H199A, G-1425G-A, BM632w (TR-098) and TR181 (`Device.`), or a CSV path.
- `set_device(id, **flags)`: online, latency (seconds a session takes), inform_delay (seconds between a
  connection request and the session it starts), in_session (holds the session lock),
  strict_unknown_paths (SPV naming a path the CPE lacks -> CPE fault 9005 for the whole RPC; otherwise the CPE
  ignores it), cr_error (force a connection-request error text), reject_paths (CPE lists them but refuses any
  SPV naming them with 9005), reject_values ({path: [values]} refused with 9007; [] = every value),
  ignore_writes (paths the CPE acknowledges but does not change), spv_fault_code ("9007" or "9003"),
  reboot_time, download_time, diag_delay, download_fault ([code, message] reported in TransferComplete).
- `set_cpe_value(id, path, value)`: change a value on the CPE only (drift; GenieACS's copy stays stale).
- `delete_cpe_path(id, path)`: remove a subtree from the CPE only (GenieACS still believes it exists).
- `inform(id, event="2 PERIODIC", wait=True)`: the CPE opens a session (processes due tasks, updates _lastInform).
- `cpe_values(id, prefix="")` / `acs_values(id, prefix="")`: {path: value} on the CPE / in GenieACS's copy.
- `rpc_counts(id)`: {"SetParameterValues": n, ...} RPCs the CPE received; `device_info(id)`: flags and counters.
- `nbi_down()` / `nbi_up()`: stop / resume listening (connections refused). `crashes`: crash count;
  `dead`: True after "Too many crashes, exiting" (lib/cluster.ts L49-58).
- `reset()`: forget devices, tasks, faults, files, counters. `stop()`: shut everything down.

Control endpoints (JSON; clearly not GenieACS; on both `url` and `control_url`)
-------------------------------------------------------------------------------
    POST   /_emulator/devices              {"serial", "model", "oui"?, "product_class"?, "manufacturer"?, flags...}
                                            -> 201 {"_id": id}
    PATCH  /_emulator/devices/<id>         {flag: value, ...}                  -> 200 device info
    GET    /_emulator/devices/<id>         -> device info (flags, rpc_counts, sessions, ids)
    POST   /_emulator/devices/<id>/inform  {"event": "2 PERIODIC", "wait": true} -> 200
    GET    /_emulator/devices/<id>/values?prefix=...&side=cpe|acs  -> {path: value}
    POST   /_emulator/devices/<id>/cpe     {"set": {path: value}, "delete": [path]} -> 200
    POST   /_emulator/nbi                  {"down": true|false}                -> 200 (use control_url)
    POST   /_emulator/reset                -> 200
    GET    /_emulator/stats                -> {"devices", "tasks", "faults", "crashes", "requests", "rpcs"}
`<id>` in a control path is the device id percent-encoded once more, as for the NBI.

NBI surface: GET|HEAD /<collection>/ (devices, tasks, faults, presets, provisions, virtual_parameters, files,
objects, operations, users, config, permissions) with query/projection/sort/skip/limit; POST /devices/<id>/tasks;
DELETE /tasks/<id>; POST /tasks/<id>/retry; DELETE /faults/<id>; POST|DELETE /devices/<id>/tags/<tag>;
DELETE /devices/<id>; PUT|DELETE /presets|provisions|virtual_parameters|objects/<name>; PUT|DELETE /files/<name>.
Not emulated: /ping/<host> (404 here), provision *scripts* (stored, never run), presets (stored, never applied),
virtual parameters, UDP/XMPP connection requests, NBI_WORKER_PROCESSES > 1 (one worker: a crash refuses
connections until the respawn).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import os
import random
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from functools import partial
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from .tree import (
    Param,
    Store,
    Value,
    cpe_value_error,
    generate_device_id,
    get_model,
    iso_ms,
    js_parse_int,
    js_string,
    parse_date_ms,
    sanitize_parameter_value,
    to_json_value,
    wildcard_match,
)

GENIEACS_VERSION = "1.2.16"
GPV_BATCH_SIZE = 32  # lib/config.ts L72 @v1.2.16
MAX_COMMIT_ITERATIONS = 32  # lib/config.ts L81 @v1.2.16 (x2 phases, lib/session.ts L1140-1161)
MISSING = object()


def now_ms() -> int:
    return int(time.time() * 1000)


class JSDate:
    """A JavaScript Date in a document; serialises like Date.prototype.toJSON (null when invalid)."""

    __slots__ = ("ms",)

    def __init__(self, ms: int | None) -> None:
        self.ms = ms

    def __repr__(self) -> str:
        return f"JSDate({self.ms})"


def _json_default(o: Any) -> Any:
    if isinstance(o, JSDate):
        return None if o.ms is None else iso_ms(o.ms)
    raise TypeError(type(o).__name__)


def dumps(o: Any) -> str:
    return json.dumps(o, default=_json_default, separators=(",", ":"), ensure_ascii=False)


class Crash(Exception):
    """An exception GenieACS would not catch: in the NBI worker it becomes an uncaughtException (server.ts L89-100,
    bin/genieacs-nbi.ts L71-83), the worker stops and the connection is dropped without a response."""


_oid_counter = itertools.count(random.randrange(1 << 24))
_OID_RAND = os.urandom(5).hex()


def object_id() -> str:
    """A MongoDB ObjectId as hex (4-byte time, 5 random bytes, 3-byte counter)."""
    return f"{int(time.time()):08x}{_OID_RAND}{next(_oid_counter) & 0xFFFFFF:06x}"


_OID_RE = re.compile(r"^[0-9a-fA-F]{24}$")


def parse_object_id(s: Any) -> str:
    """`new ObjectId(x)` throws on anything but 24 hex chars (or 12 bytes): nbi.ts L427-428/L463-464 and
    api-functions.ts L405 call it on the raw id without a try, so a bad id crashes the worker."""
    if not isinstance(s, str) or not _OID_RE.match(s):
        raise Crash(f"BSONError: Argument passed in must be a string of 12 bytes or a string of 24 hex characters: {s}")
    return s.lower()


def decode_uri_component(s: str) -> str:
    """decodeURIComponent: throws URIError on malformed escapes (uncaught in nbi.ts -> crash)."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", s):
        raise Crash("URIError: URI malformed")
    try:
        return unquote(s, errors="strict")
    except UnicodeDecodeError as e:
        raise Crash("URIError: URI malformed") from e


# ----------------------------------------------------------------------------------------------------------
# devices
# ----------------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Device:
    id: str
    serial: str
    oui: str
    product_class: str
    manufacturer: str
    model: str
    cpe: Store  # what the CPE really holds
    acs: Store  # GenieACS's cached copy (the device document)
    registered: int
    last_inform: int
    last_boot: int
    last_bootstrap: int
    tags: list[str] = field(default_factory=list)
    online: bool = True
    latency: float = 0.0
    inform_delay: float = 0.0
    in_session: bool = False
    strict_unknown_paths: bool = False
    cr_error: str | None = None
    reject_paths: set[str] = field(default_factory=set)
    reject_values: dict[str, list[Any]] = field(default_factory=dict)
    ignore_writes: set[str] = field(default_factory=set)
    spv_fault_code: str = "9007"
    reboot_time: float = 0.2
    download_time: float = 0.2
    diag_delay: float = 0.2
    download_fault: list[Any] | None = None
    rpcs: Counter[str] = field(default_factory=Counter)
    sessions: int = 0
    booting_until: float = 0.0
    session_pending: bool = False
    cr_at: int = 0
    extra: dict[str, Param] = field(default_factory=dict)  # Reboot / FactoryReset / Downloads.* (GenieACS roots)

    FLAGS = (
        "online", "latency", "inform_delay", "in_session", "strict_unknown_paths", "cr_error", "reject_paths",
        "reject_values", "ignore_writes", "spv_fault_code", "reboot_time", "download_time", "diag_delay",
        "download_fault",
    )

    def info(self) -> dict[str, Any]:
        d: dict[str, Any] = {k: getattr(self, k) for k in self.FLAGS}
        d["reject_paths"] = sorted(self.reject_paths)
        d["ignore_writes"] = sorted(self.ignore_writes)
        d.update(
            _id=self.id, serial=self.serial, oui=self.oui, product_class=self.product_class, model=self.model,
            rpc_counts=dict(self.rpcs), sessions=self.sessions, last_inform=iso_ms(self.last_inform),
        )
        return d


@dataclass
class Request:
    method: str
    path: str  # raw (still percent-encoded) path
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Response:
    status: int
    body: bytes | str = b""
    reason: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _json_resp(status: int, obj: Any, reason: str | None = None, extra: dict[str, str] | None = None) -> Response:
    h = {"Content-Type": "application/json"}
    if extra:
        h.update(extra)
    return Response(status, dumps(obj), reason, h)


# nbi.ts L18-31 @v1.2.16 (route regexes, tested against the still-encoded pathname)
DEVICE_TASKS_REGEX = re.compile(r"^/devices/([a-zA-Z0-9\-_%]+)/tasks/?$")
TASKS_REGEX = re.compile(r"^/tasks/([a-zA-Z0-9\-_%]+)(/[a-zA-Z_]*)?$")
TAGS_REGEX = re.compile(r"^/devices/([a-zA-Z0-9\-_%]+)/tags/([a-zA-Z0-9\-_%]+)/?$")
PRESETS_REGEX = re.compile(r"^/presets/([a-zA-Z0-9\-_%]+)/?$")
OBJECTS_REGEX = re.compile(r"^/objects/([a-zA-Z0-9\-_%]+)/?$")
FILES_REGEX = re.compile(r"^/files/([a-zA-Z0-9%!*'();:@&=+$,?#\[\]\-_.~]+)/?$")
PING_REGEX = re.compile(r"^/ping/([a-zA-Z0-9\-_.:]+)/?$")
QUERY_REGEX = re.compile(r"^/([a-zA-Z0-9_]+)/?$")
DELETE_DEVICE_REGEX = re.compile(r"^/devices/([a-zA-Z0-9\-_%]+)/?$")
PROVISIONS_REGEX = re.compile(r"^/provisions/([a-zA-Z0-9\-_%]+)/?$")
VIRTUAL_PARAMETERS_REGEX = re.compile(r"^/virtual_parameters/([a-zA-Z0-9\-_%]+)/?$")
FAULTS_REGEX = re.compile(r"^/faults/([a-zA-Z0-9\-_%:]+)/?$")

# lib/db/db.ts L7-21 @v1.2.16 (the collections GET /<name>/ can reach; nbi.ts L589-613)
COLLECTIONS = (
    "devices", "presets", "objects", "provisions", "virtualParameters", "faults", "tasks", "files", "operations",
    "permissions", "users", "config", "cache", "locks",
)


class TaskFault(Exception):
    def __init__(self, code: str, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.fault: dict[str, Any] = {"code": code, "message": message}
        if detail is not None:
            self.fault["detail"] = detail


class Emulator:
    """All state; lives on one asyncio loop (see EmulatorHandle for the thread-safe API)."""

    def __init__(
        self,
        *,
        poll_interval: float = 0.5,
        lock_wait: float = 30.0,
        online_threshold_ms: int = 4000,
        retry_delay: float = 300.0,
        restart_delay: float = 2.0,
        crash_minute: float = 60.0,
        session_end_timeout: float = 120.0,
        inform_interval: float | None = None,
    ) -> None:
        self.poll_interval = poll_interval
        self.lock_wait = lock_wait
        self.online_threshold_ms = online_threshold_ms
        self.retry_delay = retry_delay
        self.restart_delay = restart_delay
        self.crash_minute = crash_minute
        self.session_end_timeout = session_end_timeout
        self.inform_interval = inform_interval
        self.devices: dict[str, Device] = {}
        self.by_serial: dict[str, list[str]] = {}
        self.tasks: dict[str, dict[str, Any]] = {}
        self.dev_tasks: dict[str | None, list[str]] = {}
        self.faults: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.misc: dict[str, dict[str, dict[str, Any]]] = {
            c: {} for c in ("presets", "objects", "provisions", "virtualParameters", "operations", "permissions",
                            "users", "config", "cache", "locks")
        }
        self.locks: dict[str, str] = {}  # lock name -> token (lib/lock.ts semantics, no TTL)
        self.crash_times: list[float] = []
        self.crashes = 0
        self.dead = False
        self.requests = 0
        self.last_error = ""  # the last exception that "crashed" the worker
        self.down = False
        self.host = "127.0.0.1"
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._control: asyncio.base_events.Server | None = None
        self._conns: set[asyncio.StreamWriter] = set()
        self._bg: set[asyncio.Task[Any]] = set()
        self._restart: asyncio.TimerHandle | None = None
        self._placeholder: socket.socket | None = None

    # --- background tasks ---------------------------------------------------------------------------------

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        t = asyncio.get_running_loop().create_task(coro)
        self._bg.add(t)
        t.add_done_callback(self._bg.discard)
        return t

    # --- devices ------------------------------------------------------------------------------------------

    def add_device(
        self,
        serial: str,
        model: str = "EG8145V5",
        oui: str | None = None,
        product_class: str | None = None,
        manufacturer: str | None = None,
        **flags: Any,
    ) -> str:
        tree = get_model(model)
        did = tree.device_id
        root = tree.root
        info = f"{root}.DeviceInfo."
        oui = oui if oui is not None else did.get("OUI") or _val(tree.params.get(info + "ManufacturerOUI")) or "000000"
        if product_class is None:
            product_class = did.get("ProductClass") or _val(tree.params.get(info + "ProductClass")) or ""
        if manufacturer is None:
            manufacturer = did.get("Manufacturer") or _val(tree.params.get(info + "Manufacturer")) or ""
        dev_id = generate_device_id(oui, product_class, serial)
        t = now_ms()
        cpe = Store(tree)
        for p in (info + "SerialNumber",):
            if p in cpe:
                cpe.set_value(p, serial, 0)
        cr = f"{root}.ManagementServer.ConnectionRequestURL"
        if cr not in cpe:
            cpe.set(cr, Param("http://192.0.2.1:7547/", "xsd:string", False, False))
        dev = Device(dev_id, serial, oui, product_class, manufacturer, model, cpe, cpe.copy(), t, t, t, t)
        self.set_device(dev, **flags)
        if dev_id in self.devices:
            self.delete_device(dev_id)
        self.devices[dev_id] = dev
        self.by_serial.setdefault(serial, []).append(dev_id)
        return dev_id

    def set_device(self, dev: Device, **flags: Any) -> None:
        for k, v in flags.items():
            if k not in Device.FLAGS:
                raise ValueError(f"unknown device flag {k!r}")
            if k in ("reject_paths", "ignore_writes"):
                v = set(v)
            if k == "in_session":
                self._set_in_session(dev, bool(v))
            setattr(dev, k, v)

    def _set_in_session(self, dev: Device, on: bool) -> None:
        name = f"cwmp_session_{dev.id}"
        if on and not dev.in_session:
            # an external, long-running CWMP session holds the lock (cwmp.ts takes `cwmp_session_<id>`)
            self.locks.setdefault(name, "cwmp_session_external")
        elif not on and dev.in_session and self.locks.get(name) == "cwmp_session_external":
            del self.locks[name]

    def delete_device(self, dev_id: str) -> None:
        dev = self.devices.pop(dev_id, None)
        if dev:
            ids = self.by_serial.get(dev.serial, [])
            if dev_id in ids:
                ids.remove(dev_id)
        for tid in self.dev_tasks.pop(dev_id, []):
            self.tasks.pop(tid, None)
        for fid in [f for f in self.faults if f.startswith(dev_id + ":")]:
            del self.faults[fid]

    # --- locks (lib/lock.ts L5-50 @v1.2.16) ---------------------------------------------------------------

    async def acquire_lock(self, name: str, timeout: float, token: str | None = None) -> str | None:
        """acquireLock: take it if free, else retry every 50-100 ms until `timeout` ms are used up (L27-30)."""
        token = token or f"{random.random():.16f}"[2:]
        left = timeout
        while name in self.locks:
            if not left > 0:
                return None
            w = 50 + random.random() * 50
            await asyncio.sleep(w / 1000)
            left -= w
        self.locks[name] = token
        return token

    def release_lock(self, name: str, token: str) -> None:
        if self.locks.get(name) == token:
            del self.locks[name]

    # --- tasks --------------------------------------------------------------------------------------------

    def sanitize_task(self, task: Any) -> None:
        """sanitizeTask (lib/api-functions.ts L252-354 @v1.2.16). Raises Crash: its Errors are not caught by nbi.ts
        (L292, L327, L344), so GenieACS's worker dies on them."""
        if not isinstance(task, dict):
            # `task.timestamp = ...` on a primitive throws TypeError in strict mode
            raise Crash(f"TypeError: Cannot create property 'timestamp' on {type(task).__name__} '{task}'")
        ts = task.get("timestamp")
        if ts:
            ms = ts if isinstance(ts, int | float) and not isinstance(ts, bool) else parse_date_ms(str(ts))
            task["timestamp"] = JSDate(None if ms is None else int(ms))
        else:
            task["timestamp"] = JSDate(now_ms())
        exp = task.get("expiry")
        if exp:
            # L254-258: a number (or numeric string) is seconds after `timestamp`, anything else a date
            num = None
            if isinstance(exp, int | float) and not isinstance(exp, bool):
                num = float(exp)
            elif isinstance(exp, str):
                try:
                    num = float(exp) if exp.strip() else 0.0
                except ValueError:
                    num = None
            base = task["timestamp"].ms
            if num is not None and not math.isnan(num):
                task["expiry"] = JSDate(None if base is None else int(base + num * 1000))
            else:
                ms = parse_date_ms(str(exp)) if isinstance(exp, str) else None
                task["expiry"] = JSDate(ms)

        def valid_param_value(p: Any) -> bool:  # L260-271
            return (
                isinstance(p, list)
                and len(p) >= 2
                and isinstance(p[0], str)
                and len(p[0]) > 0
                and isinstance(p[1], str | bool | int | float)
                and (p[2] is None or isinstance(p[2], str) if len(p) > 2 else True)
            )

        name = task.get("name")
        if name == "getParameterValues":
            pn = task.get("parameterNames")
            if not isinstance(pn, list) or not pn:
                raise Crash("Error: Missing 'parameterNames' property")
            for p in pn:
                if not isinstance(p, str) or not p:
                    raise Crash(f"Error: Invalid parameter name '{p}'")
        elif name == "setParameterValues":
            pv = task.get("parameterValues")
            if not isinstance(pv, list) or not pv:
                raise Crash("Error: Missing 'parameterValues' property")
            for p in pv:
                if not valid_param_value(p):
                    raise Crash(f"Error: Invalid parameter value '{p}'")
        elif name == "refreshObject":
            if not isinstance(task.get("objectName"), str):
                raise Crash("Error: Missing 'objectName' property")
        elif name == "deleteObject":
            if not isinstance(task.get("objectName"), str) or not task["objectName"]:
                raise Crash("Error: Missing 'objectName' property")
        elif name == "addObject":
            pv = task.get("parameterValues")
            if pv is not None:
                if not isinstance(pv, list):
                    raise Crash("Error: Invalid 'parameterValues' property")
                for p in pv:
                    if not valid_param_value(p):
                        raise Crash(f"Error: Invalid parameter value '{p}'")
        elif name == "download":
            if not task.get("file"):
                if not isinstance(task.get("fileType"), str) or not task["fileType"]:
                    raise Crash("Error: Missing 'fileType' property")
                if not isinstance(task.get("fileName"), str) or not task["fileName"]:
                    raise Crash("Error: Missing 'fileName' property")
            if task.get("targetFileName") is not None and not isinstance(task["targetFileName"], str):
                raise Crash("Error: Invalid 'targetFileName' property")
        elif name == "provisions":
            prov = task.get("provisions")
            if not isinstance(prov, list):
                raise Crash("Error: Invalid 'provisions' property")
            for arr in prov:
                if not isinstance(arr, list):
                    raise Crash("TypeError: arr.every is not a function")
                if not all(s is None or isinstance(s, bool | int | float | str) for s in arr):
                    raise Crash("Error: Invalid 'provisions' property")
        elif name in ("reboot", "factoryReset"):
            pass
        else:
            raise Crash("Error: Invalid task name")

    def insert_tasks(self, tasks: Any) -> None:
        """insertTasks (api-functions.ts L356-372 @v1.2.16): sanitize all, a `uniqueKey` deletes the queued task of
        the same device with that key (L362-367), then insert; `_id` becomes the ObjectId's hex (L370)."""
        if isinstance(tasks, list):
            if not tasks:
                return
            items = tasks
        else:
            items = [tasks]
        for t in items:
            self.sanitize_task(t)
            if t.get("uniqueKey"):
                for tid in list(self.dev_tasks.get(t.get("device"), [])):
                    if self.tasks[tid].get("uniqueKey") == t["uniqueKey"]:
                        self._remove_task(tid)
                        break  # deleteOne
        for t in items:
            t["_id"] = object_id()
            self.tasks[t["_id"]] = t
            self.dev_tasks.setdefault(t.get("device"), []).append(t["_id"])

    def _remove_task(self, tid: str) -> None:
        t = self.tasks.pop(tid, None)
        if t is not None:
            lst = self.dev_tasks.get(t.get("device"), [])
            if tid in lst:
                lst.remove(tid)

    # --- connection request (api-functions.ts L43-217, connection-request.ts L75-170 @v1.2.16) -------------

    def connection_request(self, dev: Device) -> str:
        """"" on success, else the status text GenieACS returns."""
        if dev.cr_error:
            return dev.cr_error
        # connection-request.ts L143-144: ECONNREFUSED / ECONNRESET -> "Device is offline"
        if not dev.online or time.monotonic() < dev.booting_until:
            return "Device is offline"
        dev.cr_at = now_ms()
        self.schedule_session(dev, ["6 CONNECTION REQUEST"])
        return ""

    async def await_session_start(self, dev_id: str, last_inform: int, timeout: float) -> bool:
        """awaitSessionStart (api-functions.ts L219-237 @v1.2.16): true once _lastInform moved or a CWMP session
        holds the lock; polls every 500 ms; gives up when less than 500 ms are left (NaN never gives up)."""
        while True:
            start = time.monotonic()
            dev = self.devices.get(dev_id)
            if dev is None:
                raise Crash("TypeError: Cannot read properties of null (reading '_lastInform')")
            if dev.last_inform > last_inform:
                return True
            if self.locks.get(f"cwmp_session_{dev_id}", "").startswith("cwmp_session_"):
                return True
            if timeout < 500:
                return False
            await asyncio.sleep(self.poll_interval)
            timeout -= (time.monotonic() - start) * 1000

    async def await_session_end(self, dev_id: str, timeout: float) -> bool:
        """awaitSessionEnd (api-functions.ts L239-250 @v1.2.16)."""
        while True:
            start = time.monotonic()
            if not self.locks.get(f"cwmp_session_{dev_id}", "").startswith("cwmp_session_"):
                return True
            if timeout < 500:
                return False
            await asyncio.sleep(self.poll_interval)
            timeout -= (time.monotonic() - start) * 1000

    # --- the emulated CWMP session -----------------------------------------------------------------------

    def schedule_session(self, dev: Device, events: list[str]) -> None:
        if dev.session_pending:
            return  # a CPE coalesces connection requests while one session is pending
        dev.session_pending = True
        self.spawn(self.run_session(dev, events))

    async def run_session(self, dev: Device, events: list[str]) -> None:
        """One CWMP session: take `cwmp_session_<id>` (cwmp.ts L812-815 releases it with token
        `cwmp_session_<sessionId>`), take `latency` seconds, run due tasks (cwmp.ts nextRpc L612-751), save."""
        name = f"cwmp_session_{dev.id}"
        token = f"cwmp_session_{object_id()}"
        try:
            if dev.inform_delay and "6 CONNECTION REQUEST" in events:
                await asyncio.sleep(dev.inform_delay)  # the CPE is slow to answer a connection request
            await self.acquire_lock(name, float("inf"), token)
        finally:
            dev.session_pending = False
        try:
            # a session starts at least 1 ms after the connection request that caused it (an HTTP round trip
            # on a real CPE), so a task inserted just before the CR is due (cwmp/db.ts L614: timestamp < session)
            ts = max(now_ms(), dev.cr_at + 1)
            dev.sessions += 1
            if dev.latency:
                await asyncio.sleep(dev.latency)
            if self.devices.get(dev.id) is dev:
                self.process_tasks(dev, ts)
                # saveDevice at endSession (cwmp.ts L767-774) writes _lastInform = session timestamp
                dev.last_inform = max(ts, dev.last_inform + 1)
                if "1 BOOT" in events:
                    dev.last_boot = ts
                if "0 BOOTSTRAP" in events:
                    dev.last_bootstrap = ts
        finally:
            self.release_lock(name, token)

    def process_tasks(self, dev: Device, ts: int) -> None:
        ids = list(self.dev_tasks.get(dev.id, []))
        # getDueTasks (cwmp/db.ts L604-614): this device's tasks by timestamp, only those older than the session
        due = sorted(
            (self.tasks[i] for i in ids if i in self.tasks),
            key=lambda t: t["timestamp"].ms if t["timestamp"].ms is not None else 0,
        )
        due = [t for t in due if t["timestamp"].ms is not None and t["timestamp"].ms < ts]
        # Clear expired tasks and their faults (cwmp.ts L650-671): `task.expiry <= sessionContext.timestamp`
        live = []
        for t in due:
            exp = t.get("expiry")
            if isinstance(exp, JSDate) and exp.ms is not None and exp.ms <= ts:
                self._remove_task(t["_id"])
                self.faults.pop(f"{dev.id}:task_{t['_id']}", None)
            else:
                live.append(t)
        # Next task = first without a fault (cwmp.ts L673-675)
        for t in live:
            if f"{dev.id}:task_{t['_id']}" not in self.faults:
                self._run_channel(dev, t, ts)
        # A faulted channel is retried when fault.timestamp + retryDelay * 2^retries has passed; one per session
        # (cwmp.ts applyPresets L406-431 whitelist, L519-520 re-adds the fault's provisions).
        for t in live:
            f = self.faults.get(f"{dev.id}:task_{t['_id']}")
            if f is None or t["_id"] not in self.tasks:
                continue
            if f["timestamp"].ms + self.retry_delay * (2 ** f["retries"]) * 1000 <= ts:
                self._run_channel(dev, t, ts)
                break

    def _run_channel(self, dev: Device, task: dict[str, Any], ts: int) -> None:
        fid = f"{dev.id}:task_{task['_id']}"
        try:
            self.run_task(dev, task, ts)
        except TaskFault as tf:
            prev = self.faults.get(fid)
            # recordFault (cwmp.ts L233-298): retries 0 on the first fault, +1 on each later one (L263-268);
            # the task's expiry is copied to the fault (L257-261); saveFault (cwmp/db.ts L576-595)
            doc: dict[str, Any] = {
                "_id": fid, "device": dev.id, "channel": f"task_{task['_id']}", "timestamp": JSDate(ts),
                "code": tf.fault["code"], "message": tf.fault["message"],
            }
            if "detail" in tf.fault:
                doc["detail"] = tf.fault["detail"]
            doc["retries"] = 0 if prev is None else prev["retries"] + 1
            if isinstance(task.get("expiry"), JSDate) and task["expiry"].ms is not None:
                doc["expiry"] = task["expiry"]
            doc["provisions"] = json.dumps(task_provisions(task), separators=(",", ":"))  # a JSON *string*
            self.faults[fid] = doc
            return
        # done: the channel's fault is deleted and the task cleared (cwmp.ts L627-646, L792-809)
        self.faults.pop(fid, None)
        self._remove_task(task["_id"])

    def run_task(self, dev: Device, task: dict[str, Any], ts: int) -> None:
        """Apply a task as the provisions cwmp.ts L681-737 @v1.2.16 turns it into."""
        name = task["name"]
        if name == "getParameterValues":
            for p in task["parameterNames"]:
                self.refresh(dev, p, ts)  # ["refresh", p] (cwmp.ts L682-691)
        elif name == "refreshObject":
            self.refresh(dev, task["objectName"], ts)  # ["refresh", objectName] (cwmp.ts L702-706)
        elif name == "setParameterValues":
            # ["value", path, value] -- the xsd type (3rd element) is dropped here (cwmp.ts L692-701)
            self.set_values(dev, [(p[0], p[1]) for p in task["parameterValues"]], ts)
        elif name == "reboot":
            self.reboot(dev, ts, reset=False)
        elif name == "factoryReset":
            self.reboot(dev, ts, reset=True)
        elif name == "download":
            self.download(dev, task.get("fileType"), task.get("fileName"), task.get("targetFileName") or "", ts,
                          task)
        elif name == "addObject":
            self.add_object(dev, task["objectName"], task.get("parameterValues") or [], ts)
        elif name == "deleteObject":
            self.delete_object(dev, task["objectName"], ts)
        elif name == "provisions":
            self.run_provisions(dev, task["provisions"], ts, task)

    # --- provisions (lib/default-provisions.ts @v1.2.16) ---------------------------------------------------

    def run_provisions(self, dev: Device, provisions: list[list[Any]], ts: int, task: dict[str, Any]) -> None:
        for prov in provisions:
            pname = prov[0] if prov else None
            # Unknown provision names are skipped: runProvisions returns null for them (session.ts L585-621)
            try:
                if pname == "refresh":
                    if not (len(prov) >= 2 and isinstance(prov[1], str)):
                        raise ValueError
                    self.refresh(dev, prov[1], ts)
                elif pname == "value":  # default-provisions.ts L65-106
                    if not (3 <= len(prov) <= 4 and isinstance(prov[1], str)):
                        raise ValueError
                    if len(prov) == 3 or prov[2] == "value":
                        self.set_values(dev, [(prov[1], prov[-1])], ts)
                elif pname == "tag":  # L108-130
                    if not (len(prov) == 3 and isinstance(prov[1], str) and isinstance(prov[2], bool)):
                        raise ValueError
                    if prov[2] and prov[1] not in dev.tags:
                        dev.tags.append(prov[1])
                    elif not prov[2] and prov[1] in dev.tags:
                        dev.tags.remove(prov[1])
                elif pname in ("reboot", "reset"):  # L132-168
                    if len(prov) != 1:
                        raise ValueError
                    self.reboot(dev, ts, reset=pname == "reset")
                elif pname == "download":  # L170-211
                    if not (len(prov) in (3, 4) and all(isinstance(a, str) for a in prov[1:])):
                        raise ValueError
                    self.download(dev, prov[1], prov[2], prov[3] if len(prov) > 3 else "", ts, task)
                elif pname == "instances" and (len(prov) != 3 or not isinstance(prov[1], str)):
                    raise ValueError  # L220-221; the instance counts themselves are not emulated
            except ValueError:
                # a default provision throwing -> fault script.Error (session.ts L602-611)
                raise TaskFault(
                    "script.Error", "Invalid arguments",
                    {"name": "Error", "message": "Invalid arguments",
                     "stack": f"Error: Invalid arguments\n    at {pname}"},
                ) from None

    # --- reads -------------------------------------------------------------------------------------------

    def refresh(self, dev: Device, path: str, ts: int) -> None:
        """The "refresh" provision (default-provisions.ts L9-63): re-read `path` and all its descendants from the
        CPE (GPN + GPV in batches of GPV_BATCH_SIZE, session.ts L1672-1729); GetParameterValuesResponse sets
        value and timestamp (session.ts L2529-2574); paths the CPE no longer has leave the document."""
        path = path.rstrip(".")
        roots = wildcard_match(path, dev.cpe) if "*" in path else [path]
        n_leaves = 0
        for root in roots:
            cpe_keys = list(dev.cpe.iter_prefix(root))
            gone = [k for k in dev.acs.iter_prefix(root) if k not in dev.cpe]
            for k in gone:
                dev.acs.over[k] = None
            for k in cpe_keys:
                p = dev.cpe.get(k)
                if p is None:
                    continue
                if not p.object:
                    n_leaves += 1
                dev.acs.set(k, replace(p, timestamp=ts))
            rp = dev.cpe.get(root) if root else None
            if cpe_keys and (not root or (rp is not None and rp.object)):
                dev.rpcs["GetParameterNames"] += 1
        if n_leaves:
            dev.rpcs["GetParameterValues"] += math.ceil(n_leaves / GPV_BATCH_SIZE)

    # --- writes ------------------------------------------------------------------------------------------

    def set_values(self, dev: Device, wanted: list[tuple[str, Any]], ts: int) -> None:
        """generateSetRpcRequest (session.ts L1834-1866 @v1.2.16) and the CPE side of it.

        For each declared value (a Map: a later value for the same path wins, syncState.spv):
        - skipped silently if GenieACS has no such parameter cached, or it is an object (L1837-1839:
          `attrs.value?.[1]`), or it is not writable in the cache (`canWrite`, L1775-1776, L1839);
        - its value is coerced to the *cached* type (L1840-1842: `if (!val[1]) val[1] = curVal[1]` after the task's
          type was dropped in cwmp.ts L692-701), so the `xsd:` type in the task never reaches the CPE;
        - skipped silently if equal (value and type) to the cached copy (L1852-1853);
        - at most GPV_BATCH_SIZE = 32 per SetParameterValues RPC (L1855); more -> several RPCs, each applied on
          its own (non-atomic across RPCs).
        After a successful RPC the cache takes the values sent (session.ts L2715-2733), whatever the CPE did.
        A CPE fault 9005 is "recovered": the batch's paths are cleared from the cache and rediscovered, no fault
        is recorded (session.ts L2917-2958); if the CPE keeps refusing, the session ends in too_many_commits
        after MAX_COMMIT_ITERATIONS rounds (session.ts L1140-1161). Any other CPE fault becomes `cwmp.<code>`
        with the CPE's detail (session.ts L2961-2966)."""
        desired: dict[str, Any] = {}
        for path, value in wanted:
            for p in wildcard_match(path, dev.acs) if "*" in path else [path]:
                desired.pop(p, None)
                desired[p] = value
        iterations = 0
        while True:
            try:
                batch: list[tuple[str, Value, str]] = []
                for path, value in desired.items():
                    attrs = dev.acs.get(path)
                    if attrs is None or attrs.object or attrs.value is None or not attrs.writable:
                        continue
                    val = sanitize_parameter_value(value, attrs.type)
                    if _js_strict_equal(val, attrs.value):
                        continue
                    batch.append((path, val, attrs.type))
                    if len(batch) >= GPV_BATCH_SIZE:
                        self._spv_rpc(dev, batch, ts)
                        batch = []
                if batch:
                    self._spv_rpc(dev, batch, ts)
                return
            except _Recover9005 as r:
                iterations += 1
                # clear the batch's paths and rediscover them from the CPE (GPN of the parent + GPV)
                for p in r.paths:
                    cur = dev.cpe.get(p)
                    if cur is None:
                        dev.acs.over[p] = None
                    else:
                        dev.acs.set(p, replace(cur, timestamp=ts))
                dev.rpcs["GetParameterNames"] += 1
                dev.rpcs["GetParameterValues"] += 1
                if iterations >= MAX_COMMIT_ITERATIONS:
                    raise TaskFault("too_many_commits", "Too many commit iterations") from None

    def _spv_rpc(self, dev: Device, batch: list[tuple[str, Value, str]], ts: int) -> None:
        dev.rpcs["SetParameterValues"] += 1
        # the CPE: unknown names (or refused ones) -> 9005 for the whole RPC
        unknown = [p for p, _, _ in batch if p not in dev.cpe]
        refused = [p for p, _, _ in batch if p in dev.reject_paths]
        if refused or (unknown and dev.strict_unknown_paths):
            raise _Recover9005([p for p, _, _ in batch])
        spv_faults = []
        for p, v, _t in batch:
            if p in unknown:
                continue
            cur = dev.cpe.get(p)
            assert cur is not None
            if not cur.writable:
                spv_faults.append({"parameterName": p, "faultCode": "9008",
                                   "faultString": "Attempt to set a non-writable parameter"})
                continue
            bad = dev.reject_values.get(p)
            if (bad is not None and (not bad or v in bad)) or cpe_value_error(p, v, cur.type):
                spv_faults.append({"parameterName": p, "faultCode": "9007", "faultString": "Invalid parameter value"})
        if spv_faults:
            code = dev.spv_fault_code
            if any(f["faultCode"] == "9008" for f in spv_faults) and code != "9003":
                code = "9008"
            msg = {"9003": "Invalid arguments", "9007": "Invalid parameter value",
                   "9008": "Attempt to set a non-writable parameter"}[code]
            # session.ts L2961-2966: fault code "cwmp." + detail.faultCode, message = detail.faultString
            raise TaskFault(f"cwmp.{code}", msg,
                            {"faultCode": code, "faultString": msg, "setParameterValuesFault": spv_faults})
        diag: list[str] = []
        for p, v, t in batch:
            if p not in unknown and p not in dev.ignore_writes:
                dev.cpe.set_value(p, v, ts)
                if p.endswith(".DiagnosticsState") and v == "Requested":
                    diag.append(p.rsplit(".", 1)[0])
            acs = dev.acs.get(p)
            if acs is not None:
                dev.acs.set(p, replace(acs, value=v, type=t, timestamp=ts + 1))  # session.ts L2719-2733
        for obj in diag:
            self.spawn(self._diagnostics(dev, obj))

    async def _diagnostics(self, dev: Device, obj: str) -> None:
        """TR-098/TR-181 diagnostics (not GenieACS code): the CPE runs the test after the session, writes the
        results into its own tree and informs with "8 DIAGNOSTICS COMPLETE". GenieACS's copy changes only when
        a client reads them back (refreshObject/getParameterValues)."""
        await asyncio.sleep(dev.diag_delay)
        cpe = dev.cpe
        t = now_ms()
        host = cpe.get(obj + ".Host")
        ok = host is not None and bool(host.value)
        state_ok = "Complete"
        if ok:
            if "Ping" in obj:
                reps = cpe.get(obj + ".NumberOfRepetitions")
                n = reps.value if reps is not None and isinstance(reps.value, int) and reps.value > 0 else 3
                for k, v in (("SuccessCount", n), ("FailureCount", 0), ("AverageResponseTime", 4),
                             ("MinimumResponseTime", 3), ("MaximumResponseTime", 6)):
                    if obj + "." + k in cpe:
                        cpe.set_value(obj + "." + k, v, t)
            elif "TraceRoute" in obj:
                hops = 3
                for k, v in (("ResponseTime", 12), ("RouteHopsNumberOfEntries", hops)):
                    if obj + "." + k in cpe:
                        cpe.set_value(obj + "." + k, v, t)
                tr181 = obj.startswith("Device.")
                key = "Host" if tr181 else "HopHost"
                if obj + ".RouteHops" in cpe:
                    for i in range(1, hops + 1):
                        base = f"{obj}.RouteHops.{i}"
                        cpe.set(base, Param(None, "", False, True, t))
                        cpe.set(f"{base}.{key}", Param(f"192.0.2.{i}", "xsd:string", False, False, t))
                        cpe.set(f"{base}.HopRTTimes" if not tr181 else f"{base}.RTTimes",
                                Param(f"{i * 3}", "xsd:string", False, False, t))
            elif obj + ".DiagnosticsState" in cpe:
                state_ok = "Completed"  # TR-098 Download/UploadDiagnostics say "Completed"
        state = state_ok if ok else "Error_CannotResolveHostName"
        cpe.set_value(obj + ".DiagnosticsState", state, t)
        if dev.online:
            self.schedule_session(dev, ["8 DIAGNOSTICS COMPLETE"])

    def add_object(self, dev: Device, obj: str, values: list[list[Any]], ts: int) -> None:
        """["instances", "<obj>.[k:v,...]", "+1"] (cwmp.ts L718-725): AddObject only if GenieACS has the object
        cached and writable (session.ts L1792-1807), then GPV + SPV of the alias values (session.ts L2450-2518)."""
        obj = obj.rstrip(".")
        attrs = dev.acs.get(obj)
        if attrs is None or not attrs.writable:
            return
        dev.rpcs["AddObject"] += 1
        if obj not in dev.cpe:
            raise TaskFault("cwmp.9005", "Invalid parameter name",
                            {"faultCode": "9005", "faultString": "Invalid parameter name"})
        insts = [int(k.rsplit(".", 1)[1]) for k in dev.cpe.children(obj) if k.rsplit(".", 1)[1].isdigit()]
        n = max(insts, default=0) + 1
        new = f"{obj}.{n}"
        dev.cpe.set(new, Param(None, "", True, True, ts))
        if insts:
            tmpl = f"{obj}.{min(insts)}"
            for k in list(dev.cpe.iter_prefix(tmpl)):
                if k == tmpl:
                    continue
                p = dev.cpe.get(k)
                assert p is not None
                blank: Value | None = None if p.object else (False if p.type == "xsd:boolean" else
                                                             0 if isinstance(p.value, int) else "")
                dev.cpe.set(new + k[len(tmpl):], replace(p, value=blank, timestamp=ts))
        for k in list(dev.cpe.iter_prefix(new)):
            p = dev.cpe.get(k)
            assert p is not None
            dev.acs.set(k, replace(p, timestamp=ts + 1))  # session.ts L2764-2774
        if values:
            dev.rpcs["GetParameterValues"] += 1
            self.set_values(dev, [(f"{new}.{p[0]}", p[1]) for p in values], ts)

    def delete_object(self, dev: Device, obj: str, ts: int) -> None:
        """["instances", obj, 0] (cwmp.ts L726-730): DeleteObject if cached and writable (session.ts
        L1778-1790); the cache drops the subtree (session.ts L2775-2785)."""
        obj = obj.rstrip(".")
        attrs = dev.acs.get(obj)
        if attrs is None or not attrs.writable:
            return
        dev.rpcs["DeleteObject"] += 1
        if obj in dev.cpe:
            dev.cpe.delete_subtree(obj)
        dev.acs.delete_subtree(obj)

    def reboot(self, dev: Device, ts: int, *, reset: bool) -> None:
        """Reboot / FactoryReset RPC (session.ts L1929-1952, responses L2786-2807: the cache's `Reboot` /
        `FactoryReset` take the session timestamp). The CPE is unreachable for `reboot_time` seconds and then
        informs "1 BOOT" (+ "0 BOOTSTRAP" after a reset, which runs GenieACS's default bootstrap preset that
        clears the cached data model, lib/init.ts L22-28, so the document is rebuilt from the CPE)."""
        dev.rpcs["FactoryReset" if reset else "Reboot"] += 1
        dev.extra["FactoryReset" if reset else "Reboot"] = Param(ts, "xsd:dateTime", False, False, ts + 1)
        dev.booting_until = time.monotonic() + dev.reboot_time
        self.spawn(self._after_boot(dev, reset))

    async def _after_boot(self, dev: Device, reset: bool) -> None:
        await asyncio.sleep(dev.reboot_time)
        if reset:
            dev.cpe = Store(dev.cpe.base)
            sn = f"{dev.cpe.base.root}.DeviceInfo.SerialNumber"
            if sn in dev.cpe:
                dev.cpe.set_value(sn, dev.serial, 0)
            dev.acs = dev.cpe.copy()
        if dev.online:
            events = ["1 BOOT", "M Reboot"] if not reset else ["0 BOOTSTRAP", "1 BOOT"]
            self.schedule_session(dev, events)

    def download(self, dev: Device, file_type: Any, file_name: Any, target: str, ts: int,
                 task: dict[str, Any]) -> None:
        """["download", fileType, fileName, targetFileName] (cwmp.ts L713-717). default-provisions.ts L175-184
        throws "Invalid arguments" unless fileType and fileName are strings (so a task naming only `file` faults
        as script.Error, session.ts L602-611). DownloadResponse status 1 = the CPE downloads later: the task is
        done now; the outcome arrives in a later session as TransferComplete (session.ts L259-298): a fault is
        recorded as cwmp.<code> on the task's channel even though the task is gone."""
        if not isinstance(file_type, str) or not isinstance(file_name, str):
            raise TaskFault("script.Error", "Invalid arguments",
                            {"name": "Error", "message": "Invalid arguments",
                             "stack": "Error: Invalid arguments\n    at download"})
        dev.rpcs["Download"] += 1
        inst = "1"
        for k, v in (("FileType", file_type), ("FileName", file_name), ("TargetFileName", target)):
            dev.extra[f"Downloads.{inst}.{k}"] = Param(v, "xsd:string", True, False, ts)
        dev.extra[f"Downloads.{inst}.Download"] = Param(ts, "xsd:dateTime", True, False, ts + 1)
        self.spawn(self._transfer_complete(dev, task, file_type, file_name, inst))

    async def _transfer_complete(self, dev: Device, task: dict[str, Any], file_type: str, file_name: str,
                                 inst: str) -> None:
        await asyncio.sleep(dev.download_time)
        f = self.files.get(file_name)
        fault = dev.download_fault
        if fault is None and f is None:
            fault = ["9016", "File transfer failure: unable to access file"]
        ts = now_ms()
        if fault is None:
            sv = f"{dev.cpe.base.root}.DeviceInfo.SoftwareVersion"
            version = (f or {}).get("metadata", {}).get("version")
            if file_type.startswith("1") and version and sv in dev.cpe:
                dev.cpe.set_value(sv, version, ts)
            # session.ts L2820-2869 (note: Last{File,TargetFile}Name get the *file type*, L2839-2853)
            for k, v in (("LastDownload", ts), ("LastFileType", file_type), ("LastFileName", file_type),
                         ("LastTargetFileName", file_type), ("StartTime", ts), ("CompleteTime", ts)):
                typ = "xsd:dateTime" if isinstance(v, int) else "xsd:string"
                dev.extra[f"Downloads.{inst}.{k}"] = Param(v, typ, False, False, ts)
        else:
            fid = f"{dev.id}:task_{task['_id']}"
            self.faults[fid] = {
                "_id": fid, "device": dev.id, "channel": f"task_{task['_id']}", "timestamp": JSDate(ts),
                "code": f"cwmp.{fault[0]}", "message": fault[1],
                "detail": {"faultCode": str(fault[0]), "faultString": fault[1]}, "retries": 0,
                "provisions": json.dumps(task_provisions(task), separators=(",", ":")),
            }
        dev.booting_until = time.monotonic() + dev.reboot_time
        await asyncio.sleep(dev.reboot_time)
        if dev.online:
            self.schedule_session(dev, ["7 TRANSFER COMPLETE", "M Download", "1 BOOT"])

    # --- documents -----------------------------------------------------------------------------------------

    def device_doc(self, dev: Device, projection: list[str] | None = None) -> dict[str, Any]:
        """The device document (lib/cwmp/db.ts: leaves {_value,_type,_timestamp,_writable,_object:false},
        objects {_object:true,_writable,_timestamp}; _deviceId/_lastInform/... at the top, L104-230)."""
        meta: dict[str, Any] = {
            "_deviceId": {"_Manufacturer": dev.manufacturer, "_OUI": dev.oui, "_ProductClass": dev.product_class,
                          "_SerialNumber": dev.serial},
            "_lastInform": JSDate(dev.last_inform), "_lastBoot": JSDate(dev.last_boot),
            "_lastBootstrap": JSDate(dev.last_bootstrap), "_registered": JSDate(dev.registered),
        }
        if dev.tags:
            meta["_tags"] = list(dev.tags)
        doc: dict[str, Any] = {"_id": dev.id}
        if projection is None:
            doc.update(meta)
            keys: list[str] = list(dev.acs.iter_prefix(""))
            extra = list(dev.extra)
        else:
            keys = []
            extra = []
            for p in projection:
                top = p.split(".", 1)[0]
                if top in meta:
                    val = meta[top]
                    if "." in p and isinstance(val, dict):
                        sub = p.split(".", 1)[1]
                        if sub in val:
                            doc.setdefault(top, {})[sub] = val[sub]
                    else:
                        doc[top] = val
                    continue
                if top == "_id":
                    continue
                p = re.sub(r"\._[A-Za-z]+$", "", p)
                keys.extend(dev.acs.iter_prefix(p))
                extra.extend(k for k in dev.extra if k == p or k.startswith(p + "."))
        for k in keys:
            prm = dev.acs.get(k)
            if prm is not None:
                _place(doc, k, prm, prm.timestamp or dev.registered)
        for k in extra:
            _place(doc, k, dev.extra[k], dev.extra[k].timestamp)
        return doc

    def device_field(self, dev: Device, key: str) -> Any:
        if key == "_id":
            return dev.id
        if key.startswith("_deviceId."):
            return {"_deviceId._Manufacturer": dev.manufacturer, "_deviceId._OUI": dev.oui,
                    "_deviceId._ProductClass": dev.product_class,
                    "_deviceId._SerialNumber": dev.serial}.get(key, MISSING)
        top = {"_lastInform": dev.last_inform, "_lastBoot": dev.last_boot, "_lastBootstrap": dev.last_bootstrap,
               "_registered": dev.registered}
        if key in top:
            return JSDate(top[key])
        if key == "_tags":
            return list(dev.tags) if dev.tags else MISSING
        m = re.match(r"^(.*)\.(_value|_type|_timestamp|_writable|_object)$", key)
        if not m:
            return MISSING
        prm = dev.acs.get(m.group(1)) or dev.extra.get(m.group(1))
        if prm is None:
            return MISSING
        attr = m.group(2)
        if attr == "_value":
            if prm.object:
                return MISSING
            v = prm.value
            return JSDate(v) if prm.type.lower() == "xsd:datetime" and isinstance(v, int) else v
        if attr == "_type":
            return prm.type if not prm.object else MISSING
        if attr == "_timestamp":
            return JSDate(prm.timestamp or dev.registered)
        if attr == "_writable":
            return prm.writable
        return prm.object

    # --- crash / down --------------------------------------------------------------------------------------

    def crash(self, writer: asyncio.StreamWriter | None) -> None:
        """The worker dies: no response on this connection (server.ts L89-100 writes a 500 only `if
        (res.headersSent)`, i.e. never here), the server stops (genieacs-nbi.ts L75-83), every socket goes with the
        process; the primary respawns it at most every 2 s (cluster.ts L61-70) and gives up when more than 5
        crashes happened in each of the last 3 minutes (cluster.ts L34-58, "Too many crashes, exiting")."""
        self.crashes += 1
        now = time.monotonic()
        self.crash_times.append(now)
        m = self.crash_minute
        min1 = sum(1 for t in self.crash_times if t > now - m)
        min2 = sum(1 for t in self.crash_times if now - 2 * m < t <= now - m)
        min3 = sum(1 for t in self.crash_times if now - 3 * m < t <= now - 2 * m)
        self.crash_times = [t for t in self.crash_times if t > now - 3 * m]
        if writer is not None:
            writer.transport.abort()
        self._go_down()
        if min1 > 5 and min2 > 5 and min3 > 5:
            self.dead = True
            return
        loop = asyncio.get_running_loop()
        self._restart = loop.call_later(self.restart_delay, lambda: self.spawn(self._listen()))

    def _go_down(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
            # keep the port bound but not listening: connections are refused (ECONNREFUSED) and no client socket
            # can take the port number while the "worker" is down
            ph = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
            ph.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                ph.bind((self.host, self.port))
                self._placeholder = ph
            except OSError:
                ph.close()
        for w in list(self._conns):
            w.transport.abort()
        self._conns.clear()

    async def set_down(self, down: bool) -> None:
        self.down = down
        if down:
            if self._restart is not None:
                self._restart.cancel()
            self._go_down()
        elif self._server is None and not self.dead:
            await self._listen()

    async def _listen(self) -> None:
        if self._server is not None or self.dead or self.down:
            return
        if self._placeholder is not None:
            self._placeholder.close()
            self._placeholder = None
        try:
            self._server = await asyncio.start_server(
                lambda r, w: self._serve_conn(r, w, nbi=True), self.host, self.port, reuse_address=True,
                backlog=1024,
            )
        except OSError as e:  # the port is taken: try again later
            self.last_error = f"listen: {e}"
            loop = asyncio.get_running_loop()
            self._restart = loop.call_later(max(self.restart_delay, 0.05), lambda: self.spawn(self._listen()))
            return
        self.port = self._server.sockets[0].getsockname()[1]

    async def start(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        await self._listen()
        self._control = await asyncio.start_server(lambda r, w: self._serve_conn(r, w, nbi=False), host, 0)
        if self.inform_interval:
            self.spawn(self._inform_loop())

    async def close(self) -> None:
        if self._restart is not None:
            self._restart.cancel()
        self._go_down()
        if self._placeholder is not None:
            self._placeholder.close()
            self._placeholder = None
        if self._control is not None:
            self._control.close()
        for t in list(self._bg):
            t.cancel()

    async def _inform_loop(self) -> None:
        """Periodic informs ("2 PERIODIC") every `inform_interval` s, spread over the interval per device (like the
        default inform provision's per-device PeriodicInformTime offset, lib/init.ts L46-71)."""
        next_due: dict[str, float] = {}
        while True:
            interval = self.inform_interval or 300.0
            now = time.time()
            for dev in list(self.devices.values()):
                due = next_due.get(dev.id)
                if due is None:
                    due = next_due[dev.id] = now + (hash(dev.id) % 10_000) / 10_000 * interval
                if due <= now:
                    next_due[dev.id] = due + interval
                    if dev.online and time.monotonic() >= dev.booting_until:
                        self.schedule_session(dev, ["2 PERIODIC"])
            await asyncio.sleep(min(1.0, interval / 20))

    # --- HTTP ----------------------------------------------------------------------------------------------

    async def _serve_conn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, nbi: bool) -> None:
        if nbi:
            self._conns.add(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                try:
                    method, target, version = lines[0].split(" ", 2)
                except ValueError:
                    writer.write(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n")
                    return
                headers: dict[str, str] = {}
                for ln in lines[1:]:
                    if ":" in ln:
                        k, v = ln.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                try:
                    if headers.get("transfer-encoding", "").lower() == "chunked":
                        body = b""
                        while True:
                            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                            chunk = await reader.readexactly(size + 2)
                            if size == 0:
                                break
                            body += chunk[:-2]
                    else:
                        body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                    return  # nbi.ts L59-61: incomplete requests are ignored
                path, _, qs = target.partition("?")
                req = Request(method.upper(), path, dict(parse_qsl(qs, keep_blank_values=True)), headers, body)
                self.requests += 1
                try:
                    if req.path.startswith("/_emulator/"):
                        resp = await self.control(req)
                    elif not nbi:
                        resp = Response(404, "404 Not Found")
                    else:
                        resp = await self.nbi(req)
                except Crash as e:
                    self.last_error = str(e)
                    if nbi:
                        self.crash(writer)
                        return
                    resp = Response(500, "crash")
                except Exception as e:  # a bug of the emulator (or an uncaught TypeError in GenieACS): crash
                    self.last_error = f"{type(e).__name__}: {e}"
                    if nbi and not req.path.startswith("/_emulator/"):
                        self.crash(writer)
                        return
                    resp = Response(500, f"{type(e).__name__}: {e}")
                if writer.is_closing():
                    return
                close = headers.get("connection", "").lower() == "close" or version == "HTTP/1.0"
                writer.write(_render(resp, close))
                await writer.drain()
                if close:
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._conns.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def nbi(self, req: Request) -> Response:
        """The NBI router, in nbi.ts handler order (L72-702 @v1.2.16)."""
        p, m = req.path, req.method
        if PRESETS_REGEX.match(p) or OBJECTS_REGEX.match(p) or PROVISIONS_REGEX.match(p) or (
            VIRTUAL_PARAMETERS_REGEX.match(p)
        ):
            coll, raw = p.split("/")[1], p.split("/")[2]
            coll = {"virtual_parameters": "virtualParameters"}.get(coll, coll)
            name = decode_uri_component(raw)
            if m == "PUT":  # nbi.ts L80-95, L107-122, L136-155, L169-190
                if coll in ("presets", "objects"):
                    try:
                        obj = json.loads(req.body.decode() or "null")
                    except ValueError as e:
                        return Response(400, f"SyntaxError: {e}")
                    if not isinstance(obj, dict):
                        raise Crash("TypeError: Cannot set properties")
                    obj["_id"] = name
                else:
                    obj = {"_id": name, "script": req.body.decode()}
                self.misc[coll][name] = obj
                return Response(200)
            if m == "DELETE":
                self.misc[coll].pop(name, None)
                return Response(200)
            return Response(405, "405 Method Not Allowed", headers={"Allow": "PUT, DELETE"})
        if mt := TAGS_REGEX.match(p):  # nbi.ts L202-237
            dev_id, tag = decode_uri_component(mt.group(1)), decode_uri_component(mt.group(2))
            if m not in ("POST", "DELETE"):
                return Response(405, "405 Method Not Allowed", headers={"Allow": "POST, DELETE"})
            dev = self.devices.get(dev_id)
            if dev is None:
                return Response(404, "No such device")
            if m == "POST" and tag not in dev.tags:
                dev.tags.append(tag)
            elif m == "DELETE" and tag in dev.tags:
                dev.tags.remove(tag)
            return Response(200)
        if mt := FAULTS_REGEX.match(p):  # nbi.ts L238-257, api-functions.ts deleteFault L397-410
            if m != "DELETE":
                return Response(405, "405 Method Not Allowed", headers={"Allow": "DELETE"})
            fid = decode_uri_component(mt.group(1))
            dev_id = fid.split(":", 1)[0]
            channel = fid[len(dev_id) + 1:]
            token = await self.acquire_lock(f"cwmp_session_{dev_id}", 0)
            if token is None:
                return Response(503, "Device is in session")
            try:
                task_id = parse_object_id(channel[5:]) if channel.startswith("task_") else None
                self.faults.pop(fid, None)
                if task_id is not None:
                    self._remove_task(task_id)  # deleting a task's fault deletes the task (L404-405)
            finally:
                self.release_lock(f"cwmp_session_{dev_id}", token)
            return Response(200)
        if mt := DEVICE_TASKS_REGEX.match(p):
            if m != "POST":
                return Response(405, "405 Method Not Allowed", headers={"Allow": "POST"})
            return await self.post_task(req, decode_uri_component(mt.group(1)))
        if mt := TASKS_REGEX.match(p):
            return await self.task_action(req, decode_uri_component(mt.group(1)), mt.group(2))
        if mt := FILES_REGEX.match(p):  # nbi.ts L493-541
            name = decode_uri_component(mt.group(1))
            if m == "PUT":
                h = req.headers
                self.files[name] = {
                    "_id": name, "filename": name, "length": len(req.body), "uploadDate": JSDate(now_ms()),
                    "metadata": {"fileType": h.get("filetype"), "oui": h.get("oui"),
                                 "productClass": h.get("productclass"), "version": h.get("version")},
                }
                return Response(201)
            if m == "DELETE":
                if self.files.pop(name, None) is None:
                    return Response(404, "404 Not Found")
                return Response(200)
            return Response(405, "405 Method Not Allowed", headers={"Allow": "PUT, DELETE"})
        if PING_REGEX.match(p):
            return Response(404, "404 Not Found")  # not emulated
        if mt := DELETE_DEVICE_REGEX.match(p):  # nbi.ts L565-588, api-functions.ts deleteDevice L374-395
            if m != "DELETE":
                return Response(405, "405 Method Not Allowed", headers={"Allow": "DELETE"})
            dev_id = decode_uri_component(mt.group(1))
            token = await self.acquire_lock(f"cwmp_session_{dev_id}", 0)
            if token is None:
                return Response(503, "Device is in session")
            try:
                self.delete_device(dev_id)
            finally:
                self.release_lock(f"cwmp_session_{dev_id}", token)
            return Response(200)
        if mt := QUERY_REGEX.match(p):
            return self.query(req, mt.group(1))
        return Response(404, "404 Not Found")

    async def post_task(self, req: Request, device_id: str) -> Response:
        """POST /devices/<id>/tasks (nbi.ts L258-417 @v1.2.16)."""
        con_req = "connection_request" in req.query
        task: Any = None
        has_task = False
        if req.body:
            try:
                task = json.loads(req.body.decode("utf-8"))
            except ValueError as e:
                return Response(400, f"SyntaxError: {e}")  # L267-274
            # `task.device = deviceId` (L269) inside the same try: null/primitives throw TypeError -> 400
            if task is None:
                return Response(400, "TypeError: Cannot set properties of null (setting 'device')")
            if not isinstance(task, dict | list):
                return Response(400, f"TypeError: Cannot create property 'device' on {_js_typeof(task)} "
                                     f"'{js_string(task)}'")
            if isinstance(task, dict):
                task["device"] = device_id
            has_task = bool(task) or isinstance(task, dict | list)
        if not has_task and not con_req:
            return Response(400)  # L277-281
        if not has_task or not con_req:  # L283-309
            dev = self.devices.get(device_id)
            if dev is None:
                return Response(404, "No such device")
            if has_task:
                self.insert_tasks(task)
                return _json_resp(202, task)
            status = self.connection_request(dev)
            if status:
                return Response(504, status, reason=status)  # CR only: 504 + the CR error as status text
            return Response(200)
        # L316: wait up to 30 s for the session lock
        name = f"cwmp_session_{device_id}"
        token = await self.acquire_lock(name, self.lock_wait * 1000)
        if token is None:  # L317-333
            if device_id not in self.devices:
                return Response(404, "No such device")
            self.insert_tasks(task)
            return _json_resp(202, task, "Task queued but not processed")
        try:  # L337-347
            dev = self.devices.get(device_id)
            if dev is None:
                return Response(404, "No such device")
            self.insert_tasks(task)
        finally:
            self.release_lock(name, token)
        last_inform = dev.last_inform  # L349
        if "timeout" in req.query:  # L353-354: parseInt(timeout); a bare `timeout` is NaN (waits forever)
            t = js_parse_int(req.query["timeout"])
            threshold = float("nan") if t is None else float(t)
        else:
            threshold = float(self.online_threshold_ms)
        status = self.connection_request(dev)  # L382
        if not status:
            if not await self.await_session_start(device_id, last_inform, threshold):  # noqa: SIM114 (L384-390)
                status = "Task queued but not processed"
            elif not await self.await_session_end(device_id, self.session_end_timeout * 1000):  # L392-397
                status = "Task queued but not processed"
            else:
                tid = task["_id"] if isinstance(task, dict) else None
                if f"{device_id}:task_{tid}" in self.faults:  # L399-402
                    status = "Task faulted"
        if status:  # L410-416: every failure is a 202 with the reason as status text
            return _json_resp(202, task, status)
        return _json_resp(200, task)

    async def task_action(self, req: Request, task_id: str, action: str | None) -> Response:
        """DELETE /tasks/<id> (nbi.ts L425-460) and POST /tasks/<id>/retry (L461-488)."""
        if not action or action == "/":
            if req.method != "DELETE":
                return Response(405, "405 Method Not Allowed", headers={"Allow": "PUT DELETE"})
            oid = parse_object_id(task_id)  # new ObjectId(taskId), uncaught
            task = self.tasks.get(oid)
            if task is None:
                return Response(404, "Task not found")
            dev_id = task.get("device")
            token = await self.acquire_lock(f"cwmp_session_{dev_id}", 0)
            if token is None:
                return Response(503, "Device is in session")
            try:
                self._remove_task(oid)
                self.faults.pop(f"{dev_id}:task_{task_id}", None)
            finally:
                self.release_lock(f"cwmp_session_{dev_id}", token)
            return Response(200)
        if action == "/retry":
            if req.method != "POST":
                return Response(405, "405 Method Not Allowed", headers={"Allow": "POST"})
            oid = parse_object_id(task_id)
            task = self.tasks.get(oid)
            if task is None:
                # `task.device` on null (L468): TypeError, uncaught -> the worker dies
                raise Crash("TypeError: Cannot read properties of null (reading 'device')")
            dev_id = task.get("device")
            token = await self.acquire_lock(f"cwmp_session_{dev_id}", 0)
            if token is None:
                return Response(503, "Device is in session")
            try:
                self.faults.pop(f"{dev_id}:task_{task_id}", None)  # only the fault (L476-478)
            finally:
                self.release_lock(f"cwmp_session_{dev_id}", token)
            return Response(200)
        return Response(404)

    def query(self, req: Request, coll_name: str) -> Response:
        """GET|HEAD /<collection>/ (nbi.ts L589-697 @v1.2.16)."""
        coll = re.sub(r"_([a-z0-9])?", lambda mm: (mm.group(1) or "").upper(), coll_name)  # L592-600
        if req.method not in ("GET", "HEAD"):
            return Response(405, "405 Method Not Allowed", headers={"Allow": "GET, HEAD"})
        if coll not in COLLECTIONS:
            return Response(404, "404 Not Found")
        q: Any = {}
        if "query" in req.query:
            try:
                q = json.loads(req.query["query"])
            except ValueError as e:
                return Response(400, f"SyntaxError: {e}")
        if not isinstance(q, dict):
            q = {}
        if coll == "tasks":
            _sanitize_task_query(q)
        projection = None
        if "projection" in req.query:
            projection = [s.strip() for s in req.query["projection"].split(",") if s.strip()]
        docs: list[dict[str, Any]]
        if coll == "devices":
            devs = self._candidate_devices(q)
            matched = [d for d in devs if _match(partial(self.device_field, d), q, devices=True)]
            docs = [self.device_doc(d, projection) for d in matched]
        else:
            if coll == "tasks":
                src: list[dict[str, Any]] = list(self.tasks.values())
            elif coll == "faults":
                src = list(self.faults.values())
            elif coll == "files":
                src = list(self.files.values())
            else:
                src = list(self.misc[coll].values())
            docs = [_doc_out(d) for d in src if _match(partial(_get_path, d), q, devices=False)]
            if projection is not None:
                docs = [_project(d, projection) for d in docs]
        if "sort" in req.query:
            try:
                s = json.loads(req.query["sort"])
            except ValueError as e:
                return Response(400, f"SyntaxError: {e}")
            for k, direction in reversed(list(s.items())):
                if coll == "devices" and k[k.rfind(".") + 1:][:1] != "_":
                    k += "._value"  # L664-667
                docs.sort(key=partial(_sort_field, k), reverse=direction == -1)
        total = len(docs)
        headers = {"Content-Type": "application/json", "total": str(total)}  # L673-678
        if req.method == "HEAD":
            return Response(200, b"", headers=headers)
        if "skip" in req.query:
            docs = docs[js_parse_int(req.query["skip"]) or 0:]
        if "limit" in req.query:
            lim = js_parse_int(req.query["limit"]) or 0
            if lim:
                docs = docs[:lim]
        body = "[\n" + ",\n".join(dumps(d) for d in docs) + "\n]"  # L691-697
        return Response(200, body, headers=headers)

    def _candidate_devices(self, q: dict[str, Any]) -> list[Device]:
        """Index shortcuts for `_id` and `_deviceId._SerialNumber` equality (GenieACS has only the `_id` index,
        lib/db/db.ts L48-52; this is only to keep the emulator fast)."""
        v = q.get("_id")
        if isinstance(v, str):
            d = self.devices.get(v)
            return [d] if d else []
        v = q.get("_deviceId._SerialNumber")
        if isinstance(v, str) and "*" not in v and not v.startswith("/"):
            return [self.devices[i] for i in self.by_serial.get(v, []) if i in self.devices]
        return list(self.devices.values())

    # --- control endpoints ---------------------------------------------------------------------------------

    async def control(self, req: Request) -> Response:
        parts = req.path.split("/")[2:]
        try:
            body = json.loads(req.body.decode() or "{}") if req.body else {}
        except ValueError as e:
            return Response(400, f"bad JSON: {e}")
        m = req.method
        if parts == ["devices"] and m == "POST":
            serial = body.pop("serial")
            dev_id = self.add_device(serial, **body)
            return _json_resp(201, {"_id": dev_id})
        if parts == ["reset"] and m == "POST":
            self.reset()
            return Response(200)
        if parts == ["nbi"] and m == "POST":
            await self.set_down(bool(body.get("down")))
            return _json_resp(200, {"down": self.down, "dead": self.dead})
        if parts == ["stats"]:
            rpcs: Counter[str] = Counter()
            for d in self.devices.values():
                rpcs.update(d.rpcs)
            return _json_resp(200, {"devices": len(self.devices), "tasks": len(self.tasks),
                                    "faults": len(self.faults), "crashes": self.crashes, "dead": self.dead,
                                    "requests": self.requests, "rpcs": dict(rpcs)})
        if len(parts) >= 2 and parts[0] == "devices":
            dev = self.devices.get(unquote(parts[1]))
            if dev is None:
                return Response(404, "No such device")
            sub = parts[2] if len(parts) > 2 else ""
            if sub == "" and m == "GET":
                return _json_resp(200, dev.info())
            if sub == "" and m == "PATCH":
                try:
                    self.set_device(dev, **body)
                except (ValueError, TypeError) as e:
                    return Response(400, str(e))
                return _json_resp(200, dev.info())
            if sub == "inform" and m == "POST":
                await self.inform(dev, body.get("event", "2 PERIODIC"), bool(body.get("wait", True)))
                return _json_resp(200, dev.info())
            if sub == "values" and m == "GET":
                side = dev.acs if req.query.get("side", "cpe") == "acs" else dev.cpe
                return _json_resp(200, _values(side, req.query.get("prefix", "")))
            if sub == "cpe" and m == "POST":
                for k, v in (body.get("set") or {}).items():
                    self.set_cpe_value(dev, k, v)
                for k in body.get("delete") or []:
                    dev.cpe.delete_subtree(k)
                return Response(200)
        return Response(404, "no such control endpoint")

    async def inform(self, dev: Device, event: str = "2 PERIODIC", wait: bool = True) -> None:
        if not dev.online:
            return
        if wait:
            dev.session_pending = True
            await self.run_session(dev, [event])
        else:
            self.schedule_session(dev, [event])

    def set_cpe_value(self, dev: Device, path: str, value: Any) -> None:
        cur = dev.cpe.get(path)
        if cur is None:
            raise KeyError(path)
        dev.cpe.set_value(path, sanitize_parameter_value(value, cur.type), now_ms())

    def reset(self) -> None:
        self.devices.clear()
        self.by_serial.clear()
        self.tasks.clear()
        self.dev_tasks.clear()
        self.faults.clear()
        self.files.clear()
        for c in self.misc.values():
            c.clear()
        self.locks.clear()
        self.crash_times.clear()
        self.crashes = 0
        self.requests = 0


class _Recover9005(Exception):
    def __init__(self, paths: list[str]) -> None:
        super().__init__("9005")
        self.paths = paths


# ----------------------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------------------


def _val(p: Param | None) -> str:
    return "" if p is None or p.value is None else str(p.value)


def _js_typeof(v: Any) -> str:
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int | float):
        return "number"
    return "string"


def _js_strict_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    return type(a) is type(b) and a == b


def task_provisions(task: dict[str, Any]) -> list[list[Any]]:
    """The provisions cwmp.ts L681-737 @v1.2.16 builds from a task (stored in the fault's `provisions`)."""
    name = task.get("name")
    if name == "getParameterValues":
        return [["refresh", p] for p in task.get("parameterNames", [])]
    if name == "setParameterValues":
        return [["value", p[0], p[1]] for p in task.get("parameterValues", [])]
    if name == "refreshObject":
        return [["refresh", task.get("objectName")]]
    if name == "reboot":
        return [["reboot"]]
    if name == "factoryReset":
        return [["reset"]]
    if name == "download":
        return [["download", task.get("fileType"), task.get("fileName"), task.get("targetFileName") or ""]]
    if name == "addObject":
        alias = ",".join(f"{p[0]}:{json.dumps(p[1])}" for p in task.get("parameterValues") or [])
        return [["instances", f"{task.get('objectName')}.[{alias}]", "+1"]]
    if name == "deleteObject":
        return [["instances", task.get("objectName"), 0]]
    if name == "provisions":
        return list(task.get("provisions", []))
    return []


def _place(doc: dict[str, Any], path: str, prm: Param, ts: int) -> None:
    node = doc
    for seg in path.split("."):
        node = node.setdefault(seg, {})
    if prm.object:
        node["_object"] = True
        node["_writable"] = prm.writable
        node["_timestamp"] = JSDate(ts)
    else:
        node["_value"] = to_json_value(prm.value, prm.type)
        node["_type"] = prm.type
        node["_timestamp"] = JSDate(ts)
        node["_writable"] = prm.writable
        node["_object"] = False


def _values(store: Store, prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in store.iter_prefix(prefix.rstrip(".")):
        p = store.get(k)
        if p is not None and not p.object:
            out[k] = to_json_value(p.value, p.type)
    return out


def _doc_out(d: dict[str, Any]) -> dict[str, Any]:
    if "_id" in d and next(iter(d)) != "_id":
        return {"_id": d["_id"], **{k: v for k, v in d.items() if k != "_id"}}
    return d


def _get_path(d: Any, key: str) -> Any:
    cur = d
    for seg in key.split("."):
        if isinstance(cur, dict) and seg in cur:
            cur = cur[seg]
        else:
            return MISSING
    return cur


def _project(d: dict[str, Any], projection: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"_id": d.get("_id")}
    for p in projection:
        v = _get_path(d, p)
        if v is MISSING:
            continue
        node = out
        segs = p.split(".")
        for s in segs[:-1]:
            node = node.setdefault(s, {})
        node[segs[-1]] = v
    return out


def _sort_field(key: str, d: dict[str, Any]) -> tuple[int, Any]:
    return _sort_key(_get_path(d, key))


def _sort_key(v: Any) -> tuple[int, Any]:
    if v is MISSING or v is None:
        return (0, 0)
    if isinstance(v, bool):
        return (3, v)
    if isinstance(v, int | float):
        return (1, v)
    if isinstance(v, str):
        return (2, v)
    if isinstance(v, JSDate):
        return (4, v.ms or 0)
    return (5, str(v))


def _normalize(q: Any, devices: bool) -> list[Any]:
    """Candidate forms of a query value (lib/query.ts normalize L19-35 @v1.2.16, for devices): the string, a
    number if numeric, a Date if it parses (length >= 8, year > 1983), a regex for /re/ or `*` wildcards."""
    if not (devices and isinstance(q, str)):
        return [q]
    out: list[Any] = [q]
    mm = re.match(r"^/(.*?)/(g?i?m?y?)$", q)
    if mm:
        out.append(re.compile(mm.group(1), re.I if "i" in mm.group(2) else 0))
    try:
        f = float(q)
        if q.strip() and not math.isnan(f):
            out.append(int(f) if f.is_integer() else f)
    except ValueError:
        pass
    ms = parse_date_ms(q) if len(q) >= 8 else None
    if ms is not None and ms > 441763200000:  # after 1983
        out.append(JSDate(ms))
    if "*" in q:  # stringToRegexp (lib/query.ts L5-17)
        core = q.lstrip("*")
        start = "" if q.startswith("*") else "^"
        end = "" if core.endswith("*") else "$"
        out.append(re.compile(start + ".*".join(re.escape(x) for x in core.rstrip("*").split("*")) + end))
    return out


def _sanitize_task_query(q: dict[str, Any]) -> None:
    """sanitizeQueryTypes for tasks (nbi.ts L630-636, lib/query.ts L129-168): `_id` values go through
    `new ObjectId(v)` and operators other than $in/$nin/$eq/$gt/$gte/$lt/$lte/$ne/$exists/$type throw
    "Operator not supported" -- neither is caught, so a bad task query kills the worker."""
    for k, v in q.items():
        if k.startswith("$"):
            for sub in v if isinstance(v, list) else []:
                if isinstance(sub, dict):
                    _sanitize_task_query(sub)
        elif k in ("_id", "timestamp", "retries") and isinstance(v, dict):
            for op, arg in v.items():
                if op in ("$in", "$nin"):
                    if k == "_id":
                        for a in arg or []:
                            parse_object_id(a)
                elif op in ("$eq", "$gt", "$gte", "$lt", "$lte", "$ne"):
                    if k == "_id":
                        parse_object_id(arg)
                elif op not in ("$exists", "$type"):
                    raise Crash("Error: Operator not supported")
        elif k == "_id":
            parse_object_id(v)


def _coerce_query(key: str, q: Any, devices: bool) -> Any:
    """nbi.ts L630-641 sanitizeQueryTypes: tasks/faults `timestamp` numbers -> Date."""
    if not devices and key in ("timestamp", "expiry") and isinstance(q, int | float) and not isinstance(q, bool):
        return JSDate(int(q))
    if not devices and key in ("timestamp", "expiry") and isinstance(q, str):
        ms = parse_date_ms(q)
        return JSDate(ms) if ms is not None else q
    return q


def _eq(d: Any, q: Any) -> bool:
    if isinstance(q, re.Pattern):
        return isinstance(d, str) and q.search(d) is not None
    if isinstance(d, list):
        return any(_eq(x, q) for x in d) or (isinstance(q, list) and d == q)
    if isinstance(d, JSDate) or isinstance(q, JSDate):
        return isinstance(d, JSDate) and isinstance(q, JSDate) and d.ms == q.ms
    return _js_strict_equal(d, q)


def _cmp(d: Any, q: Any) -> int | None:
    a: Any
    b: Any
    numbers = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (d, q))
    if isinstance(d, JSDate) and isinstance(q, JSDate):
        a, b = d.ms or 0, q.ms or 0
    elif numbers or (isinstance(d, str) and isinstance(q, str)):
        a, b = d, q
    else:
        return None
    return (a > b) - (a < b)


def _match_cond(d: Any, cond: Any, key: str, devices: bool) -> bool:
    if isinstance(cond, dict) and cond and all(k.startswith("$") for k in cond):
        for op, arg in cond.items():
            if op == "$exists":
                if (d is not MISSING) != bool(arg):
                    return False
                continue
            if op == "$regex":
                flags = re.I if "i" in str(cond.get("$options", "")) else 0
                if not (isinstance(d, str) and re.search(arg, d, flags)):
                    return False
                continue
            if op == "$options":
                continue
            if op in ("$in", "$nin"):
                opts = [c for a in (arg or []) for c in _normalize(_coerce_query(key, a, devices), devices)]
                hit = d is not MISSING and any(_eq(d, c) for c in opts)
                if hit != (op == "$in"):
                    return False
                continue
            cands = _normalize(_coerce_query(key, arg, devices), devices)
            if op == "$eq":
                ok = d is not MISSING and any(_eq(d, c) for c in cands)
            elif op == "$ne":
                ok = d is MISSING or not any(_eq(d, c) for c in cands)
            elif op in ("$gt", "$gte", "$lt", "$lte"):
                ok = False
                for c in cands:
                    r = _cmp(d, c)
                    if r is not None and ((op == "$gt" and r > 0) or (op == "$gte" and r >= 0)
                                          or (op == "$lt" and r < 0) or (op == "$lte" and r <= 0)):
                        ok = True
                        break
            else:
                raise Crash(f"Error: unknown operator {op}")
            if not ok:
                return False
        return True
    cands = _normalize(_coerce_query(key, cond, devices), devices)
    return d is not MISSING and any(_eq(d, c) for c in cands)


def _match(get: Callable[[str], Any], q: dict[str, Any], *, devices: bool) -> bool:
    for k, v in q.items():
        if k == "$or":
            if not any(_match(get, sub, devices=devices) for sub in v):
                return False
        elif k == "$and":
            if not all(_match(get, sub, devices=devices) for sub in v):
                return False
        elif k == "$nor":
            if any(_match(get, sub, devices=devices) for sub in v):
                return False
        else:
            key = k
            # lib/query.ts permute L86-99: a parameter path (last segment not starting with "_") means `._value`
            if devices and key[key.rfind(".") + 1:][:1] != "_":
                key += "._value"
            if not _match_cond(get(key), v, k, devices):
                return False
    return True


def _render(resp: Response, close: bool) -> bytes:
    body = resp.body.encode("utf-8") if isinstance(resp.body, str) else resp.body
    reason = resp.reason
    if reason is None:
        try:
            reason = HTTPStatus(resp.status).phrase
        except ValueError:
            reason = ""
    reason = re.sub(r"[\r\n]", " ", reason).encode("latin-1", "replace").decode("latin-1")
    lines = [f"HTTP/1.1 {resp.status} {reason}", f"GenieACS-Version: {GENIEACS_VERSION}"]  # nbi.ts L51
    for k, v in resp.headers.items():
        lines.append(f"{k}: {v}")
    lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


# ----------------------------------------------------------------------------------------------------------
# the handle
# ----------------------------------------------------------------------------------------------------------


class EmulatorHandle:
    """Runs an Emulator on its own thread and loop. See the module docstring for the API."""

    def __init__(self, emu: Emulator, host: str, port: int) -> None:
        self.emu = emu
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="genieacs-emulator", daemon=True)
        self._thread.start()
        self._run(emu.start(host, port))
        self.host = host

    def _run(self, coro: Coroutine[Any, Any, Any], timeout: float | None = 60) -> Any:
        fut: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return fut.result(timeout)

    def _call(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        async def go() -> Any:
            return fn(*args, **kw)

        return self._run(go())

    @property
    def port(self) -> int:
        return self.emu.port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.emu.port}"

    @property
    def control_url(self) -> str:
        assert self.emu._control is not None
        return f"http://{self.host}:{self.emu._control.sockets[0].getsockname()[1]}"

    @property
    def crashes(self) -> int:
        return self.emu.crashes

    @property
    def dead(self) -> bool:
        return self.emu.dead

    def add_device(self, serial: str, model: str = "EG8145V5", **kw: Any) -> str:
        return str(self._call(self.emu.add_device, serial, model, **kw))

    def add_devices(self, n: int, model: str = "EG8145V5", prefix: str = "PSLB", **kw: Any) -> list[str]:
        def go() -> list[str]:
            return [self.emu.add_device(f"{prefix}{i:08d}", model, **kw) for i in range(n)]

        return list(self._call(go))

    def _dev(self, dev_id: str) -> Device:
        dev = self.emu.devices.get(dev_id)
        if dev is None:
            raise KeyError(dev_id)
        return dev

    def set_device(self, dev_id: str, **flags: Any) -> None:
        self._call(lambda: self.emu.set_device(self._dev(dev_id), **flags))

    def set_cpe_value(self, dev_id: str, path: str, value: Any) -> None:
        self._call(lambda: self.emu.set_cpe_value(self._dev(dev_id), path, value))

    def delete_cpe_path(self, dev_id: str, path: str) -> None:
        self._call(lambda: self._dev(dev_id).cpe.delete_subtree(path))

    def inform(self, dev_id: str, event: str = "2 PERIODIC", wait: bool = True) -> None:
        self._run(self.emu.inform(self._dev(dev_id), event, wait))

    def cpe_values(self, dev_id: str, prefix: str = "") -> dict[str, Any]:
        return dict(self._call(lambda: _values(self._dev(dev_id).cpe, prefix)))

    def acs_values(self, dev_id: str, prefix: str = "") -> dict[str, Any]:
        return dict(self._call(lambda: _values(self._dev(dev_id).acs, prefix)))

    def rpc_counts(self, dev_id: str) -> dict[str, int]:
        return dict(self._call(lambda: dict(self._dev(dev_id).rpcs)))

    def device_info(self, dev_id: str) -> dict[str, Any]:
        return dict(self._call(lambda: self._dev(dev_id).info()))

    def nbi_down(self) -> None:
        self._run(self.emu.set_down(True))

    def nbi_up(self) -> None:
        self._run(self.emu.set_down(False))

    def reset(self) -> None:
        self._call(self.emu.reset)

    def stop(self) -> None:
        if not self._loop.is_running():
            return
        with contextlib.suppress(Exception):
            self._run(self.emu.close(), timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> EmulatorHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_emulator(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    devices: int = 0,
    model: str = "EG8145V5",
    **options: Any,
) -> EmulatorHandle:
    """Start the emulator on a background thread; returns a handle (`.url`, `.stop()`, ...)."""
    handle = EmulatorHandle(Emulator(**options), host, port)
    if devices:
        handle.add_devices(devices, model)
    return handle


def encode_id(device_id: str) -> str:
    """A device id as it goes into an NBI URL path: percent-encoded once more (`%2D` -> `%252D`)."""
    return quote(device_id, safe="")

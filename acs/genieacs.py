"""A thin client of GenieACS's northbound REST API (NBI, port 7557), and the small
interface (`AcsClient`) the dispatcher uses so another ACS can be added later.

What GenieACS answers, and how it is read here (genieacs/genieacs v1.2.16, lib/nbi.ts):

- `POST /devices/<id>/tasks` without `connection_request`: the task is stored, 202
  (L283-294). -> QUEUED.
- with `connection_request`: the NBI waits up to 30 s for the device's session lock
  (L316, `acquireLock(..., 5000, 30000)`); when it cannot get it, the task is stored and the
  answer is 202 "Task queued but not processed" (L317-332) -> DEVICE_BUSY. Otherwise it sends
  the connection request (L382): an error string comes back as the 202's *reason phrase*
  (L410-412; the strings of lib/connection-request.ts L85-169 and lib/api-functions.ts L107)
  -> CONNECTION_REQUEST_FAILED. Then it waits `timeout` ms for the session to *start*
  (L384-390; L352-354, `cwmp.deviceOnlineThreshold` 4000 ms by default) and up to 120 s more
  for it to *end* (L392-397); either wait running out gives the same 202 "Task queued but
  not processed". The three cases share one phrase, so the time the answer took tells them
  apart: a start timeout answers within `timeout` (+ the connection request), the lock wait
  only after 30 s, the end wait only after 120 s (see `_queued_or_busy`). Finally it counts
  the task's fault (L399-402): 202 "Task faulted" -> FAULTED, else 200 -> APPLIED.
- 200 means the task ran without a fault, *not* that the device took the values: GenieACS
  skips paths it has not discovered, read-only parameters and values equal to its copy
  (lib/session.ts L1872-1894). The dispatcher reads back before calling anything applied.
- An empty body with `connection_request` only pokes the device: 200, or 504 with the
  error as the reason phrase (L296-306).
- 404 "No such device" (L285-288), 400 for bad JSON (L270-273).
- A dropped connection or a timeout after the request left: the task may or may not be
  stored -> UNKNOWN. Never send again before `find_task_by_unique_key` says it is not there.

The NBI has no authentication (CVE-2025-56015); it is reached over a private address or
through an authenticating proxy, for which `username`/`password` (HTTP basic) and extra
headers are sent. Neither ever appears in a log line, an exception or `repr`.
"""

from __future__ import annotations

import contextlib
import enum
import ipaddress
import json
import logging
import re
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from acs.nbi_tasks import (
    InvalidTask,
    check_path,
    device_path,
    redacted,
    validate_task,
)
from core.errors import Conflict, DomainError, NotFound

__all__ = [
    "AcsClient", "AcsError", "AcsUnavailable", "AmbiguousDevice", "ConnectionCheck", "DeviceInSession",
    "DeviceNotFound", "Fault", "GenieAcsClient", "InvalidTask", "NbiDevice", "Outcome", "ParamValue",
    "PushResult", "TaskNotFound", "is_private_url", "redacted",
]

log = logging.getLogger(__name__)

#: lib/nbi.ts L316: how long the NBI waits for the device's session lock.
SESSION_LOCK_WAIT_S = 30.0
#: lib/nbi.ts L392-395: how long the NBI waits for a started session to end.
SESSION_END_WAIT_S = 120.0
#: lib/config.ts L70 CONNECTION_REQUEST_TIMEOUT (2000 ms); digest auth makes it two requests
#: (lib/connection-request.ts L129-166), so a connection request may take twice that.
CONNECTION_REQUEST_S = 4.0
#: A push's `timeout` (the wait for the session to start) must end well before the lock
#: wait would, or the two "Task queued but not processed" cases could not be told apart.
MAX_TIMEOUT_MS = 20_000
DEFAULT_TIMEOUT_MS = 4_000  # cwmp.deviceOnlineThreshold's default (lib/config.ts L84)
#: CHANGELOG 1.2.13: the NBI's own timeout is 120 s "to avoid timeouts when running
#: unindexed queries in large deployments".
QUERY_TIMEOUT_S = 120.0
MIN_VERSION = (1, 2, 16)  # 1.2.15 fixed an RCE in /api/ping; see issue 11

QUEUED_NOT_PROCESSED = "Task queued but not processed"  # lib/nbi.ts L328, L390, L397
TASK_FAULTED = "Task faulted"  # lib/nbi.ts L402
DEVICE_IN_SESSION = "Device is in session"  # lib/nbi.ts L442, L471, L581; L246
NO_SUCH_DEVICE = "No such device"  # lib/nbi.ts L287
# Node's default reason phrase for 202 when none is given (L293): no reason at all.
_DEFAULT_REASONS = frozenset({"", "Accepted"})
_TASK_ID = re.compile(r"[0-9a-fA-F]{24}")  # a MongoDB ObjectId; see `_task_id`
_DEVICE_PROJECTION = "_id,_deviceId,_lastInform"
_MAX_URL = 6000  # bytes of projection per request when reading many paths (policy)


# --- results and errors -------------------------------------------------------------------------


class Outcome(enum.StrEnum):
    APPLIED = "applied"  # 200: ran in the session it triggered, no fault (not yet read back!)
    QUEUED = "queued"  # stored; runs at the device's next session
    FAULTED = "faulted"  # 202 "Task faulted": see PushResult.fault
    CONNECTION_REQUEST_FAILED = "connection_request_failed"  # stored, but the device was not reached
    DEVICE_BUSY = "device_busy"  # stored; the device is in a session that may or may not take it
    UNKNOWN = "unknown"  # transport lost after sending: the task may or may not exist


@dataclass(frozen=True)
class Fault:
    """A fault document (lib/cwmp/db.ts L576-595). `provisions` is stored as a JSON string
    (L592) and parsed here."""

    code: str
    message: str
    detail: Any = None
    retries: int = 0
    timestamp: datetime | None = None
    provisions: Any = None

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Fault:
        provisions = doc.get("provisions")
        if isinstance(provisions, str):
            with contextlib.suppress(ValueError):
                provisions = json.loads(provisions)
        return cls(code=str(doc.get("code", "")), message=str(doc.get("message", "")), detail=doc.get("detail"),
                   retries=int(doc.get("retries") or 0), timestamp=_time(doc.get("timestamp")),
                   provisions=provisions)


@dataclass(frozen=True)
class PushResult:
    outcome: Outcome
    task_id: str | None
    status_code: int | None
    detail: str = ""
    fault: Fault | None = None


@dataclass(frozen=True)
class NbiDevice:
    """A device as the NBI lists it (`_id`, `_deviceId`, `_lastInform`; lib/cwmp/db.ts)."""

    device_id: str
    serial: str
    oui: str = ""
    product_class: str = ""
    manufacturer: str = ""
    last_inform: datetime | None = None

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> NbiDevice:
        ident = doc.get("_deviceId") or {}
        return cls(device_id=str(doc["_id"]), serial=str(ident.get("_SerialNumber", "")),
                   oui=str(ident.get("_OUI", "")), product_class=str(ident.get("_ProductClass", "")),
                   manufacturer=str(ident.get("_Manufacturer", "")), last_inform=_time(doc.get("_lastInform")))


@dataclass(frozen=True)
class ParamValue:
    """One leaf of the device document: `{_value, _type, _writable, _timestamp}`. This is
    GenieACS's cached copy as of `timestamp`, not necessarily what the device holds now."""

    value: Any
    type: str | None
    writable: bool | None
    timestamp: datetime | None


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    text: str
    version: str | None = None


class AcsError(DomainError):
    """The ACS answered something this client does not understand, or refused us."""

    status = 502


class AcsUnavailable(AcsError):
    """The ACS could not be reached; nothing was sent."""

    status = 503


class DeviceNotFound(NotFound):
    pass


class TaskNotFound(NotFound):
    pass


class DeviceInSession(Conflict):
    """lib/nbi.ts L440-443, L469-473, L579-582: the device's session lock is held."""


class AmbiguousDevice(Conflict):
    pass


# --- the interface ------------------------------------------------------------------------------


class AcsClient(Protocol):
    """What the dispatcher, the reconciliation and the connection test need from an ACS."""

    def find_device(self, serial: str) -> NbiDevice | None: ...

    def get_device(self, device_id: str) -> NbiDevice | None: ...

    def devices_informed_since(self, since: datetime) -> list[NbiDevice]: ...

    def values(self, device_id: str, paths: Iterable[str]) -> dict[str, ParamValue]: ...

    def discovered(self, device_id: str, paths: Iterable[str]) -> set[str]: ...

    def parameters(self, device_id: str, roots: Iterable[str]) -> dict[str, ParamValue]: ...

    def push(self, device_id: str, task: Mapping[str, Any], *, connection_request: bool = True,
             timeout_ms: int = DEFAULT_TIMEOUT_MS) -> PushResult: ...

    def task(self, task_id: str) -> dict[str, Any] | None: ...

    def fault_of(self, device_id: str, task_id: str) -> Fault | None: ...

    def delete_task(self, task_id: str) -> bool: ...

    def retry_task(self, task_id: str) -> None: ...

    def find_task_by_unique_key(self, device_id: str, key: str) -> dict[str, Any] | None: ...

    def check(self) -> ConnectionCheck: ...


# --- helpers --------------------------------------------------------------------------------------


def _time(value: Any) -> datetime | None:
    """A date as the NBI writes it: JSON.stringify of a Date (ISO 8601, `Z`)."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    return None


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("an aware datetime is needed")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _task_id(task_id: str) -> str:
    """The NBI turns a task id into `new ObjectId(...)` (lib/nbi.ts L428, L448, L464; the
    tasks query, L631-632), which throws for anything but 24 hex digits, and that throw
    ends the NBI worker. So a malformed id never leaves this process."""
    if not isinstance(task_id, str) or not _TASK_ID.fullmatch(task_id):
        raise InvalidTask(f"task id {task_id!r} is not a 24-hex-digit ObjectId")
    return task_id


def _check_serial(serial: str) -> str:
    """The NBI expands a query string value (lib/query.ts L19-36): `*` makes it a wildcard
    regex (L30-31, L5-17), `/.../` a regex (L22-23). A serial that would match others is
    refused; the rest are still compared exactly in `find_device`."""
    if not serial or "*" in serial or (len(serial) > 1 and serial.startswith("/") and "/" in serial[1:]):
        raise InvalidTask(f"serial {serial!r} is empty or would be read as a pattern by GenieACS")
    return serial


def _leaf(doc: Mapping[str, Any], path: str) -> Any:
    node: Any = doc
    for segment in path.split("."):
        if not isinstance(node, Mapping) or segment not in node:
            return None
        node = node[segment]
    return node


def is_private_url(url: str) -> bool:
    """True when the URL's host is a loopback/private/link-local address or `localhost`."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: cannot say without resolving it
    return address.is_private or address.is_loopback or address.is_link_local


def _version_tuple(version: str) -> tuple[int, ...]:
    numbers = re.findall(r"\d+", version.split("-", 1)[0])
    return tuple(int(n) for n in numbers[:3])


# --- the client -------------------------------------------------------------------------------------


class GenieAcsClient:
    """GenieACS NBI client (sync httpx). Thread-safe as httpx.Client is."""

    def __init__(self, base_url: str, *, username: str | None = None, password: str | None = None,
                 headers: Mapping[str, str] | None = None, connect_timeout: float = 5.0,
                 query_timeout: float = QUERY_TIMEOUT_S, connect_retries: int = 3, backoff_s: float = 0.25,
                 session_lock_wait_s: float = SESSION_LOCK_WAIT_S, session_end_wait_s: float = SESSION_END_WAIT_S,
                 connection_request_s: float = CONNECTION_REQUEST_S, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the NBI URL must be http(s)://host[:port][/prefix]")
        if parts.username is not None:  # credentials in the URL: move them out of it
            username = username or urllib.parse.unquote(parts.username)
            password = password or urllib.parse.unquote(parts.password or "")
            netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
            netloc += f":{parts.port}" if parts.port else ""
            parts = parts._replace(netloc=netloc)
        self.base_url = urllib.parse.urlunsplit(parts._replace(query="", fragment="")).rstrip("/")
        self.authenticated = bool(username or headers)
        self._connect_timeout = connect_timeout
        self._query_timeout = query_timeout
        self._connect_retries = connect_retries
        self._backoff_s = backoff_s
        self._lock_wait_s = session_lock_wait_s
        self._end_wait_s = session_end_wait_s
        self._cr_s = connection_request_s
        self._sleep = sleep
        auth = httpx.BasicAuth(username, password or "") if username else None
        # http1 only: GenieACS's reasons travel in the reason phrase, which HTTP/2 does not have.
        self._http = httpx.Client(base_url=self.base_url, auth=auth, headers=dict(headers or {}),
                                  timeout=httpx.Timeout(query_timeout, connect=connect_timeout),
                                  transport=transport, follow_redirects=False, http2=False)

    def __repr__(self) -> str:  # never the credentials or headers
        return f"GenieAcsClient({self.base_url!r}, authenticated={self.authenticated})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GenieAcsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport ---

    def _send(self, method: str, url: str, *, params: Mapping[str, str] | None = None, content: bytes | None = None,
              read_timeout: float | None = None, idempotent: bool = True) -> httpx.Response:
        """One request. Connection errors before anything was sent are retried with
        exponential backoff; an idempotent read is retried on any transport error. What is
        left is raised: `AcsUnavailable` when nothing was sent, the httpx error otherwise."""
        timeout = httpx.Timeout(read_timeout or self._query_timeout, connect=self._connect_timeout)
        headers = {"Content-Type": "application/json"} if content is not None else None
        attempt = 0
        while True:
            try:
                return self._http.request(method, url, params=params, content=content, headers=headers,
                                          timeout=timeout)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                error: httpx.TransportError = exc
                sent = False
            except httpx.TimeoutException as exc:
                if not idempotent:
                    raise
                # A read that timed out is slow, not lost: asking again only adds load.
                raise AcsUnavailable(f"GenieACS NBI at {self.base_url} did not answer {method} "
                                     f"{url.split('?', 1)[0]} in time ({type(exc).__name__})") from None
            except httpx.TransportError as exc:
                if not idempotent:
                    raise
                error, sent = exc, True  # a dropped connection: a read may be asked again
            if attempt >= self._connect_retries:
                what = "unreachable" if not sent else "not answering"
                # The message names the method and path only: no credentials, no body.
                raise AcsUnavailable(f"GenieACS NBI at {self.base_url} is {what} "
                                     f"({type(error).__name__} on {method} {url.split('?', 1)[0]})") from None
            delay = self._backoff_s * 2**attempt
            log.warning("GenieACS NBI %s %s: %s; retrying in %.2f s", method, url.split("?", 1)[0],
                        type(error).__name__, delay)
            self._sleep(delay)
            attempt += 1

    def _send_once(self, method: str, url: str) -> httpx.Response:
        """A change that must not be repeated blind: a transport error after sending is
        reported as such, with its outcome unknown."""
        try:
            return self._send(method, url, idempotent=False)
        except httpx.TransportError as exc:
            raise AcsError(f"{method} {url}: {type(exc).__name__} after sending; the outcome is unknown") from None

    def _query(self, collection: str, query: Mapping[str, Any], *, projection: str | None = None,
               sort: Mapping[str, int] | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """GET /<collection>/?query=... (lib/nbi.ts L589-697): a JSON array."""
        params = {"query": json.dumps(query, separators=(",", ":"))}
        if projection:
            params["projection"] = projection
        if sort:
            params["sort"] = json.dumps(sort, separators=(",", ":"))
        if limit is not None:
            params["limit"] = str(limit)
        response = self._send("GET", f"/{collection}/", params=params)
        if response.status_code != 200:
            raise self._unexpected(response, f"GET /{collection}/")
        try:
            rows = response.json()
        except ValueError:
            raise AcsError(f"GET /{collection}/ answered something that is not JSON") from None
        if not isinstance(rows, list):
            raise AcsError(f"GET /{collection}/ answered {type(rows).__name__}, not a list")
        return rows

    def _unexpected(self, response: httpx.Response, what: str) -> DomainError:
        if response.status_code in (401, 403, 407):
            return AcsError(f"{what}: {response.status_code} — the proxy in front of the NBI refused the "
                            f"credentials or headers")
        text = response.text[:200].strip()
        return AcsError(f"{what}: unexpected {response.status_code} {response.reason_phrase} {text}".rstrip())

    # --- devices ---

    def find_device(self, serial: str) -> NbiDevice | None:
        """The device with this serial number, or None. Two devices (different OUI or
        product class) with the same serial raise `AmbiguousDevice`. GenieACS has no index on
        `_deviceId._SerialNumber` (lib/db/db.ts L48-52): when OUI and product class are known,
        `get_device(device_id(...))` is an `_id` lookup instead."""
        rows = self._query("devices", {"_deviceId._SerialNumber": _check_serial(serial)},
                           projection=_DEVICE_PROJECTION)
        found = [NbiDevice.from_doc(r) for r in rows if (r.get("_deviceId") or {}).get("_SerialNumber") == serial]
        if len(found) > 1:
            raise AmbiguousDevice(f"serial {serial} is known to the ACS as {', '.join(d.device_id for d in found)}")
        return found[0] if found else None

    def get_device(self, device_id: str) -> NbiDevice | None:
        rows = self._query("devices", {"_id": device_id}, projection=_DEVICE_PROJECTION)
        return NbiDevice.from_doc(rows[0]) if rows else None

    def devices_informed_since(self, since: datetime, *, page_size: int = 1000) -> list[NbiDevice]:
        """Devices whose `_lastInform` >= `since` (the fallback poll when no inform event
        came). Paged by `_lastInform` itself rather than `skip`, because a device that informs
        during the poll moves to the end of the order and `skip` would then miss another."""
        cursor = _time(_iso(since)) or since  # the NBI compares milliseconds
        seen: dict[str, NbiDevice] = {}
        while True:
            # lib/query.ts L19-36, L49-58: a date string in a $gte is also tried as a Date.
            rows = self._query("devices", {"_lastInform": {"$gte": _iso(cursor)}}, projection=_DEVICE_PROJECTION,
                               sort={"_lastInform": 1}, limit=page_size)
            fresh = [NbiDevice.from_doc(r) for r in rows if str(r.get("_id")) not in seen]
            for device in fresh:
                seen[device.device_id] = device
            if len(rows) < page_size:
                return list(seen.values())
            last = _time(rows[-1].get("_lastInform"))
            if not fresh or last is None or last <= cursor:
                # A whole page informed in the same millisecond: widen the page.
                page_size *= 2
                continue
            cursor = last

    # --- parameter values ---

    def _device_doc(self, device_id: str, paths: Sequence[str]) -> dict[str, Any]:
        """The device document projected to `paths`, in as many requests as keep the URL short."""
        doc: dict[str, Any] = {}
        for chunk in _chunks(paths) or [[]]:
            rows = self._query("devices", {"_id": device_id}, projection=",".join(["_id", *chunk]))
            if not rows:
                raise DeviceNotFound(f"the ACS has no device {device_id}")
            _merge(doc, rows[0])
        return doc

    def values(self, device_id: str, paths: Iterable[str]) -> dict[str, ParamValue]:
        """GenieACS's cached values of these parameters, read with a projection. Paths the
        ACS has not discovered (or that are objects) are left out."""
        wanted = [check_path(p, what="parameter") for p in dict.fromkeys(paths)]
        doc = self._device_doc(device_id, wanted)
        out: dict[str, ParamValue] = {}
        for path in wanted:
            leaf = _leaf(doc, path)
            if isinstance(leaf, Mapping) and "_value" in leaf:
                writable = leaf.get("_writable")
                out[path] = ParamValue(value=leaf["_value"], type=leaf.get("_type"),
                                       writable=None if writable is None else bool(writable),
                                       timestamp=_time(leaf.get("_timestamp")))
        return out

    def parameters(self, device_id: str, roots: Iterable[str]) -> dict[str, ParamValue]:
        """Every parameter GenieACS holds under these objects (path -> cached value): what
        the mappings resolve their `*` instances against."""
        wanted = [check_path(p, what="object") for p in dict.fromkeys(roots)]
        doc = self._device_doc(device_id, wanted)
        out: dict[str, ParamValue] = {}
        for root in wanted:
            _flatten(root, _leaf(doc, root), out)
        return out

    def discovered(self, device_id: str, paths: Iterable[str]) -> set[str]:
        """Which of these paths (parameters or objects) GenieACS has in its copy of the
        device tree: only those are written (it skips the others silently, lib/session.ts
        L1872-1894, and some ZTE firmware faults a whole write naming one unknown path)."""
        wanted = [check_path(p, what="path") for p in dict.fromkeys(paths)]
        doc = self._device_doc(device_id, wanted)
        return {p for p in wanted if isinstance(_leaf(doc, p), Mapping)}

    # --- tasks ---

    def push(self, device_id: str, task: Mapping[str, Any], *, connection_request: bool = True,
             timeout_ms: int = DEFAULT_TIMEOUT_MS) -> PushResult:
        """Validate the task locally, POST it, and map the answer to an `Outcome`. Raises
        `InvalidTask` (refused here or by GenieACS, 400), `DeviceNotFound` (404),
        `AcsUnavailable` (nothing sent)."""
        clean = validate_task(task)
        if isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or not 0 < timeout_ms <= MAX_TIMEOUT_MS:
            raise InvalidTask(f"timeout_ms must be 1..{MAX_TIMEOUT_MS}")
        if connection_request and timeout_ms / 1000 + self._cr_s >= self._lock_wait_s:
            # Otherwise "did not start a session in time" and "already in a session" would
            # arrive at the same moment and could not be told apart (see `_queued_or_busy`).
            raise InvalidTask(f"timeout_ms {timeout_ms} is too long: it must end well before the NBI's "
                              f"{self._lock_wait_s:.0f} s wait for the session lock")
        url = f"/devices/{device_path(device_id)}/tasks"
        read_timeout = self._query_timeout
        if connection_request:
            # A bare `timeout` would be parseInt'd to NaN (lib/nbi.ts L353-354): always a number.
            url += f"?connection_request&timeout={timeout_ms}"
            read_timeout = max(self._lock_wait_s, self._cr_s + timeout_ms / 1000 + self._end_wait_s) + 15
        body = json.dumps(clean, separators=(",", ":"), allow_nan=False).encode()
        log.info("GenieACS push %s to %s", json.dumps(redacted(clean)), device_id)
        started = time.monotonic()
        try:
            response = self._send("POST", url, content=body, read_timeout=read_timeout, idempotent=False)
        except httpx.TransportError as exc:
            return PushResult(Outcome.UNKNOWN, None, None,
                              f"{type(exc).__name__} after the task was sent: it may or may not be queued; "
                              f"look it up by uniqueKey before sending it again")
        return self._outcome(response, device_id, connection_request, timeout_ms, _elapsed(response, started))

    def _outcome(self, response: httpx.Response, device_id: str, connection_request: bool, timeout_ms: int,
                 elapsed: float) -> PushResult:
        status, reason = response.status_code, response.reason_phrase
        task_id = self._task_id_of(response)
        if status == 200:
            return PushResult(Outcome.APPLIED, task_id, status, "ran without a fault; read back to confirm")
        if status == 202:
            if not connection_request:
                return PushResult(Outcome.QUEUED, task_id, status, "queued until the next inform")
            if reason == TASK_FAULTED:
                fault = self._fault_quietly(device_id, task_id)
                text = f"{fault.code}: {fault.message}" if fault else TASK_FAULTED
                return PushResult(Outcome.FAULTED, task_id, status, text, fault)
            if reason == QUEUED_NOT_PROCESSED:
                return self._queued_or_busy(task_id, timeout_ms, elapsed)
            if reason in _DEFAULT_REASONS:
                return self._without_reason(device_id, task_id)
            return PushResult(Outcome.CONNECTION_REQUEST_FAILED, task_id, status,
                              f"{reason} (the task stays queued for the next inform)")
        if status == 400:
            raise InvalidTask(f"GenieACS refused the task: {response.text[:300]}")
        if status == 404:
            raise self._not_found(response, device_id)
        if status == 503 and response.text.strip() == DEVICE_IN_SESSION:
            return PushResult(Outcome.DEVICE_BUSY, task_id, status, DEVICE_IN_SESSION)
        if status in (401, 403, 407):
            raise self._unexpected(response, "POST task")
        # A 500 (lib/server.ts L89-100) or a proxy's 502/503/504: the NBI may have stored
        # the task before failing.
        return PushResult(Outcome.UNKNOWN, task_id, status,
                          f"{status} {reason}: the task may or may not be queued; look it up before resending")

    def _queued_or_busy(self, task_id: str | None, timeout_ms: int, elapsed: float) -> PushResult:
        """Tell apart the three "Task queued but not processed" (lib/nbi.ts L328, L390, L397)
        by when they come: the session-start wait ends after `timeout` (+ the connection
        request), the lock wait after 30 s, the session-end wait after 120 s more. The
        thresholds are the midpoints between those times (`push` keeps them apart)."""
        start_wait = timeout_ms / 1000 + self._cr_s
        if elapsed >= (self._lock_wait_s + self._end_wait_s) / 2:
            return PushResult(Outcome.DEVICE_BUSY, task_id, 202,
                              f"{QUEUED_NOT_PROCESSED}: the session started but did not end within "
                              f"{self._end_wait_s:.0f} s; the task may still complete in it")
        if elapsed >= (start_wait + self._lock_wait_s) / 2:
            return PushResult(Outcome.DEVICE_BUSY, task_id, 202,
                              f"{QUEUED_NOT_PROCESSED}: the device was already in a session")
        return PushResult(Outcome.QUEUED, task_id, 202,
                          f"{QUEUED_NOT_PROCESSED}: the device did not start a session within {timeout_ms} ms "
                          f"of the connection request; queued until the next inform")

    def _without_reason(self, device_id: str, task_id: str | None) -> PushResult:
        """A 202 with no reason phrase after a connection request: something between us and
        GenieACS dropped it (an HTTP/2 hop has none). The fault tells a fault apart."""
        fault = self._fault_quietly(device_id, task_id)
        if fault:
            return PushResult(Outcome.FAULTED, task_id, 202, f"{fault.code}: {fault.message}", fault)
        return PushResult(Outcome.QUEUED, task_id, 202, "202 without a reason phrase (a proxy may strip it); "
                          "follow the task")

    def connection_request(self, device_id: str) -> PushResult:
        """Only poke the device (lib/nbi.ts L296-306): 200, or 504 with the error."""
        url = f"/devices/{device_path(device_id)}/tasks?connection_request"
        try:
            response = self._send("POST", url, read_timeout=self._cr_s + 30, idempotent=False)
        except httpx.TransportError as exc:
            return PushResult(Outcome.UNKNOWN, None, None, type(exc).__name__)
        if response.status_code == 200:
            return PushResult(Outcome.APPLIED, None, 200, "connection request accepted by the device")
        if response.status_code == 504 and response.text.strip() and response.text.strip() == response.reason_phrase:
            return PushResult(Outcome.CONNECTION_REQUEST_FAILED, None, 504, response.reason_phrase)
        if response.status_code == 404:
            raise self._not_found(response, device_id)
        return PushResult(Outcome.UNKNOWN, None, response.status_code,
                          f"{response.status_code} {response.reason_phrase}")

    def _not_found(self, response: httpx.Response, device_id: str) -> DomainError:
        if response.text.strip() == NO_SUCH_DEVICE:
            return DeviceNotFound(f"the ACS has no device {device_id}")
        return self._unexpected(response, "POST task (is the NBI URL right?)")

    @staticmethod
    def _task_id_of(response: httpx.Response) -> str | None:
        try:
            body = response.json()
        except ValueError:
            return None
        task_id = body.get("_id") if isinstance(body, dict) else None
        return str(task_id) if task_id is not None else None

    def _fault_quietly(self, device_id: str, task_id: str | None) -> Fault | None:
        if task_id is None:
            return None
        try:
            return self.fault_of(device_id, task_id)
        except (DomainError, httpx.TransportError) as exc:
            log.warning("GenieACS: could not read the fault of task %s: %s", task_id, exc)
            return None

    def task(self, task_id: str) -> dict[str, Any] | None:
        """The queued task, or None: a task that ran without a fault is deleted
        (lib/cwmp.ts L634-645), so is an expired one (L650-671) or a deleted one."""
        rows = self._query("tasks", {"_id": _task_id(task_id)})
        return rows[0] if rows else None

    def fault_of(self, device_id: str, task_id: str) -> Fault | None:
        """The fault of a task: `_id` = `<device>:task_<id>` (lib/nbi.ts L399-401)."""
        rows = self._query("faults", {"_id": f"{device_id}:task_{_task_id(task_id)}"})
        return Fault.from_doc(rows[0]) if rows else None

    def find_task_by_unique_key(self, device_id: str, key: str) -> dict[str, Any] | None:
        """The queued task of this device with this uniqueKey (lib/api-functions.ts L362-367
        keeps at most one). Used after UNKNOWN: None means it is not queued (never stored,
        or already done - read back to know which)."""
        rows = self._query("tasks", {"device": device_id, "uniqueKey": key})
        return rows[0] if rows else None

    def delete_task(self, task_id: str) -> bool:
        """DELETE /tasks/<id> (lib/nbi.ts L426-456): also deletes its fault. False when
        there was no such task."""
        response = self._send_once("DELETE", f"/tasks/{_task_id(task_id)}")
        if response.status_code == 200:
            return True
        if response.status_code == 404:
            return False
        if response.status_code == 503:
            raise DeviceInSession(f"task {task_id}: {DEVICE_IN_SESSION}")
        raise self._unexpected(response, "DELETE task")

    def retry_task(self, task_id: str) -> None:
        """POST /tasks/<id>/retry: deletes only the fault (lib/nbi.ts L461-484); the task runs
        again at the next inform. 1.2.16 dereferences a missing task and crashes (L463-468;
        fixed later with a 404), so the task is looked up first."""
        if self.task(task_id) is None:
            raise TaskNotFound(f"task {task_id} is not queued")
        response = self._send_once("POST", f"/tasks/{_task_id(task_id)}/retry")
        if response.status_code == 200:
            return
        if response.status_code == 404:
            raise TaskNotFound(f"task {task_id} is not queued")
        if response.status_code == 503:
            raise DeviceInSession(f"task {task_id}: {DEVICE_IN_SESSION}")
        raise self._unexpected(response, "POST retry")

    # --- connection test ---

    def check(self) -> ConnectionCheck:
        """A connection test: `HEAD /devices/?query={"_id":...}` for an id no device has.

        HEAD answers with headers only (lib/nbi.ts L680-683), the `_id` filter makes the
        `countDocuments` every query runs (L673) an index lookup rather than a count of every
        device, it still goes through MongoDB, and every answer carries the
        `GenieACS-Version` header (L51), which is checked against 1.2.16."""
        try:
            response = self._send("HEAD", "/devices/", params={"query": '{"_id":"ponstack-connection-test"}'},
                                  read_timeout=10.0)
        except AcsUnavailable as exc:
            return ConnectionCheck(False, str(exc))
        if response.status_code != 200:
            return ConnectionCheck(False, str(self._unexpected(response, "HEAD /devices/")))
        version = response.headers.get("GenieACS-Version")
        if not version:
            return ConnectionCheck(False, "answered, but without a GenieACS-Version header: not a GenieACS NBI?")
        notes = [f"GenieACS {version} at {self.base_url}"]
        ok = True
        if _version_tuple(version) < MIN_VERSION:
            ok = False
            notes.append("older than 1.2.16 (1.2.15 fixed a remote code execution); upgrade")
        if not self.authenticated and not is_private_url(self.base_url):
            notes.append("warning: the NBI has no authentication and this address is not private")
        return ConnectionCheck(ok, "; ".join(notes), version)

    def ping(self) -> str:
        return self.check().text


def _elapsed(response: httpx.Response, started: float) -> float:
    """The time of the one exchange that answered (httpx: from sending to the end of the
    answer), without the connect retries before it; the wall time when httpx has none."""
    try:
        return response.elapsed.total_seconds()
    except RuntimeError:
        return time.monotonic() - started


def _chunks(paths: Sequence[str]) -> list[list[str]]:
    chunks: list[list[str]] = []
    size = _MAX_URL
    for path in paths:
        if size + len(path) + 1 > _MAX_URL:
            chunks.append([])
            size = 0
        chunks[-1].append(path)
        size += len(path) + 1
    return chunks


def _merge(into: dict[str, Any], doc: Mapping[str, Any]) -> None:
    for key, value in doc.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = dict(value) if isinstance(value, Mapping) else value


def _flatten(path: str, node: Any, out: dict[str, ParamValue]) -> None:
    """The leaves (`_value` holders) of a device-document subtree, by full path."""
    if not isinstance(node, Mapping):
        return
    if "_value" in node:
        writable = node.get("_writable")
        out[path] = ParamValue(value=node["_value"], type=node.get("_type"),
                               writable=None if writable is None else bool(writable),
                               timestamp=_time(node.get("_timestamp")))
        return
    for key, child in node.items():
        if not key.startswith("_"):
            _flatten(f"{path}.{key}", child, out)

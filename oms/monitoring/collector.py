"""Asyncio SNMP collector: bulk column walks, scalar GETs, per-OLT polls.

SNMPv3 goes through pysnmp 7's command generators with numeric OIDs, so no
MIB is loaded or resolved (lookupMib=False without even building ObjectTypes);
SNMPv2c goes through fastv2c's hand-written BER codec, because pyasn1 decoding
was most of a big poll's CPU. Each request is one GETBULK for one column; a
column ends at the first OID outside it, at endOfMibView, or at the first
error (pysnmp's own bulk walk keeps looping after a timeout, so we never use it).

One SnmpEngine per event loop (`engine_for_loop`): an engine used from a
second loop hangs (lextudio/pysnmp#64) and creating engines is expensive.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pysnmp.entity.engine import SnmpEngine
from pysnmp.entity.rfc3413 import cmdgen
from pysnmp.hlapi.v3arch.asyncio import auth as hlauth
from pysnmp.hlapi.v3arch.asyncio.cmdgen import LCD
from pysnmp.hlapi.v3arch.asyncio.transport import UdpTransportTarget
from pysnmp.proto import errind, rfc1902, rfc1905
from pysnmp.proto.api import v2c

from oms.models import PollClass, PollStatus
from oms.monitoring.fastv2c import ERROR_STATUS, GET, GETBULK, Marker, Oid, V2cClient, V2cTimeout
from oms.monitoring.indexes import INDEX_FORMATS, BadIndex, Position, Suffix, decode_index
from oms.monitoring.oidmap import OidMapEntry, Reading, decode_value, validate_entry

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"

_AUTH_PROTOCOLS = {
    "none": hlauth.USM_AUTH_NONE,
    "md5": hlauth.USM_AUTH_HMAC96_MD5,
    "sha": hlauth.USM_AUTH_HMAC96_SHA,
    "sha224": hlauth.USM_AUTH_HMAC128_SHA224,
    "sha256": hlauth.USM_AUTH_HMAC192_SHA256,
    "sha384": hlauth.USM_AUTH_HMAC256_SHA384,
    "sha512": hlauth.USM_AUTH_HMAC384_SHA512,
}
_PRIV_PROTOCOLS = {
    "none": hlauth.USM_PRIV_NONE,
    "des": hlauth.USM_PRIV_CBC56_DES,
    "3des": hlauth.USM_PRIV_CBC168_3DES,
    "aes128": hlauth.USM_PRIV_CFB128_AES,
    "aes": hlauth.USM_PRIV_CFB128_AES,
    "aes192": hlauth.USM_PRIV_CFB192_AES,
    "aes256": hlauth.USM_PRIV_CFB256_AES,
}


@dataclass
class SnmpTarget:
    host: str
    port: int = 161
    version: str = "v2c"  # "v2c" or "v3"
    community: str | None = None
    v3_username: str | None = None
    v3_auth_protocol: str = "none"
    v3_auth_key: str | None = None
    v3_priv_protocol: str = "none"
    v3_priv_key: str | None = None
    context_name: str = ""
    timeout_s: float = 2.0
    retries: int = 1
    max_repetitions: int = 25
    max_outstanding: int = 4
    max_requests_per_s: float = 50.0
    name: str = ""  # used in error messages
    #: "fast": v2c through fastv2c's own codec; "pysnmp": always pysnmp (v3 always uses pysnmp)
    backend: str = "fast"

    @property
    def label(self) -> str:
        address = f"{self.host}:{self.port}"
        return f"{self.name} ({address})" if self.name else address


@dataclass(slots=True)
class SnmpFault:
    kind: str  # timeout, auth, no_such_object, snmp_error, not_increasing, transport, invalid_oid_map, decode
    message: str


@dataclass(slots=True)
class MetricError:
    metric: str
    oid: str
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.metric} ({self.oid}): {self.kind}: {self.message}"


@dataclass
class PollResult:
    target: str
    poll_class: str
    started_at: datetime
    finished_at: datetime | None = None
    readings: dict[Position, dict[str, Reading]] = field(default_factory=dict)
    errors: list[MetricError] = field(default_factory=list)
    #: rows whose OID suffix did not fit the index format (e.g. non-GPON rows of ifOperStatus)
    foreign_indexes: dict[str, int] = field(default_factory=dict)
    polled_metrics: list[str] = field(default_factory=list)
    #: index formats whose every column was empty: a table with no rows (an OLT with no ONUs yet)
    empty_tables: list[str] = field(default_factory=list)

    @property
    def status(self) -> PollStatus:
        if not self.errors:
            return PollStatus.OK
        return PollStatus.PARTIAL if self.readings else PollStatus.ERROR

    def error_text(self, limit: int = 2000) -> str | None:
        if not self.errors:
            return None
        text = f"{self.target}: " + "; ".join(str(e) for e in self.errors)
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def value(self, position: Position, metric: str) -> float | str | None:
        reading = self.readings.get(position, {}).get(metric)
        return None if reading is None else reading.value


Answer = tuple["SnmpFault | None", list[tuple[Oid, Any]]]


class SnmpError(Exception):
    def __init__(self, target: str, oid: str, fault: SnmpFault) -> None:
        super().__init__(f"{target}: {oid}: {fault.kind}: {fault.message}")
        self.fault = fault


_ENGINES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SnmpEngine] = weakref.WeakKeyDictionary()


def engine_for_loop() -> SnmpEngine:
    """The SnmpEngine of the running event loop (created on first use)."""
    loop = asyncio.get_running_loop()
    engine = _ENGINES.get(loop)
    if engine is None:
        engine = _ENGINES[loop] = SnmpEngine()
    return engine


def close_engine_for_loop() -> None:
    """Release the running loop's engine (sockets); call before the loop ends."""
    engine = _ENGINES.pop(asyncio.get_running_loop(), None)
    if engine is not None:
        engine.close_dispatcher()


class _RateLimiter:
    """Spaces requests at least 1/rate apart (per target)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_at = 0.0

    async def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        start = max(now, self.next_at)
        self.next_at = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


class _Session:
    """One poll's connection to one target: concurrency and rate limits, and the two requests we use.

    `bulk` and `get` return (fault, varbinds) with varbinds as (OID tuple, Python value) pairs.
    """

    def __init__(self, target: SnmpTarget) -> None:
        self.target = target
        self.semaphore = asyncio.Semaphore(max(1, target.max_outstanding))
        self.limiter = _RateLimiter(target.max_requests_per_s)

    @asynccontextmanager
    async def request_slot(self):  # type: ignore[no-untyped-def,unused-ignore]
        async with self.semaphore:
            await self.limiter.wait()
            yield

    async def bulk(self, oid: Oid, max_repetitions: int) -> Answer:
        raise NotImplementedError

    async def get(self, oids: list[Oid]) -> Answer:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _V2cSession(_Session):
    """SNMPv2c through the hand-written codec in fastv2c (no pyasn1 on the hot path)."""

    def __init__(self, target: SnmpTarget, client: V2cClient) -> None:
        super().__init__(target)
        self.client = client

    async def _call(self, pdu_type: int, oids: list[Oid], max_repetitions: int = 0) -> Answer:
        try:
            async with self.request_slot():
                status, index, varbinds = await self.client.request(pdu_type, oids, max_repetitions)
        except V2cTimeout:
            return _timeout_fault(self.target), []
        if status:
            return _status_fault(ERROR_STATUS.get(status, str(status)), index, self.target), []
        return None, varbinds

    async def bulk(self, oid: Oid, max_repetitions: int) -> Answer:
        return await self._call(GETBULK, [oid], max_repetitions)

    async def get(self, oids: list[Oid]) -> Answer:
        return await self._call(GET, oids)

    def close(self) -> None:
        self.client.close()


class _PysnmpSession(_Session):
    """SNMPv3 (and v2c on request) through pysnmp's command generators, without MIB resolution."""

    def __init__(self, engine: SnmpEngine, target: SnmpTarget, auth: Any, transport: Any) -> None:
        super().__init__(target)
        self.engine = engine
        self.addr_name, _ = LCD.configure(engine, auth, transport, target.context_name.encode())
        self.context_name = v2c.OctetString(target.context_name.encode())

    async def _call(self, generator: Any, *args: Any) -> Answer:
        future: asyncio.Future[tuple[Any, Any, Any, Sequence[Any]]] = (
            asyncio.get_running_loop().create_future()
        )

        def done(
            _engine: Any, _handle: Any, indication: Any, status: Any, index: Any, varbinds: Any, _c: Any
        ) -> None:
            if not future.done():
                future.set_result((indication, status, index, varbinds))

        async with self.request_slot():
            generator.send_varbinds(self.engine, self.addr_name, None, self.context_name, *args, done)
            indication, status, index, varbinds = await future
        if indication:
            return _fault_from_indication(indication, self.target), []
        if status:
            return _status_fault(status.prettyPrint(), index, self.target), []
        return None, [(name.asTuple(), _python_value(value)) for name, value in varbinds]

    async def bulk(self, oid: Oid, max_repetitions: int) -> Answer:
        request = ((rfc1902.ObjectName(oid), v2c.null),)
        return await self._call(cmdgen.BulkCommandGeneratorSingleRun(), 0, max_repetitions, request)

    async def get(self, oids: list[Oid]) -> Answer:
        request = tuple((rfc1902.ObjectName(oid), v2c.null) for oid in oids)
        return await self._call(cmdgen.GetCommandGenerator(), request)


def _auth_data(target: SnmpTarget) -> Any:
    if target.version == "v2c":
        if not target.community:
            raise ValueError(f"{target.label}: SNMP v2c needs a community")
        return hlauth.CommunityData(target.community, mpModel=1)
    if target.version != "v3":
        raise ValueError(f"{target.label}: unsupported SNMP version {target.version!r}")
    if not target.v3_username:
        raise ValueError(f"{target.label}: SNMP v3 needs a user name")
    try:
        auth_proto = _AUTH_PROTOCOLS[target.v3_auth_protocol]
        priv_proto = _PRIV_PROTOCOLS[target.v3_priv_protocol]
    except KeyError as exc:
        raise ValueError(f"{target.label}: unknown SNMP v3 protocol {exc.args[0]!r}") from None
    return hlauth.UsmUserData(
        target.v3_username,
        authKey=target.v3_auth_key if target.v3_auth_protocol != "none" else None,
        privKey=target.v3_priv_key if target.v3_priv_protocol != "none" else None,
        authProtocol=auth_proto,
        privProtocol=priv_proto,
    )


async def _open_session(engine: SnmpEngine, target: SnmpTarget) -> _Session:
    if target.version == "v2c" and target.backend == "fast":
        if not target.community:
            raise ValueError(f"{target.label}: SNMP v2c needs a community")
        client = await V2cClient(target.community, target.timeout_s, target.retries).open(
            target.host, target.port
        )
        return _V2cSession(target, client)
    transport = await UdpTransportTarget.create(
        (target.host, target.port), timeout=target.timeout_s, retries=target.retries
    )
    return _PysnmpSession(engine, target, _auth_data(target), transport)


def _timeout_fault(target: SnmpTarget) -> SnmpFault:
    return SnmpFault(
        "timeout",
        f"no response from {target.label} within {target.timeout_s:g} s x {target.retries + 1} tries "
        "(host down, wrong port, or wrong community/credentials)",
    )


def _fault_from_indication(indication: Any, target: SnmpTarget) -> SnmpFault:
    if isinstance(indication, errind.RequestTimedOut):
        return _timeout_fault(target)
    auth_errors = (
        errind.UnknownUserName,
        errind.WrongDigest,
        errind.DecryptionError,
        errind.UnsupportedSecurityLevel,
        errind.AuthenticationFailure,
        errind.UnknownSecurityName,
    )
    if isinstance(indication, auth_errors):
        return SnmpFault("auth", f"SNMPv3 authentication failed on {target.label}: {indication}")
    return SnmpFault("transport", f"{target.label}: {indication}")


def _status_fault(status: str, index: Any, target: SnmpTarget) -> SnmpFault:
    kind = "no_such_object" if status == "noSuchName" else "snmp_error"
    return SnmpFault(kind, f"{target.label} answered error-status {status} at varbind {int(index or 0)}")


_NO_SUCH = {
    rfc1905.NoSuchObject.tagSet: "noSuchObject",
    rfc1905.NoSuchInstance.tagSet: "noSuchInstance",
    rfc1905.EndOfMibView.tagSet: "endOfMibView",
}


NoSuch = Marker  # noSuchObject / noSuchInstance / endOfMibView in place of a value


def _python_value(value: Any) -> int | bytes | str:
    tag = value.tagSet
    if tag in _INT_TAGS:
        return int(value)
    if tag in _BYTES_TAGS:
        return value.asOctets()
    marker = _NO_SUCH.get(tag)
    if marker is not None:
        return NoSuch(marker)
    return value.prettyPrint()


_INT_TAGS = {
    t.tagSet
    for t in (
        rfc1902.Integer32,
        rfc1902.Integer,
        rfc1902.Counter32,
        rfc1902.Gauge32,
        rfc1902.Unsigned32,
        rfc1902.TimeTicks,
        rfc1902.Counter64,
    )
}
_BYTES_TAGS = {rfc1902.OctetString.tagSet, rfc1902.Opaque.tagSet, rfc1902.Bits.tagSet}


def _oid_tuple(oid: str) -> tuple[int, ...]:
    return tuple(int(part) for part in oid.strip(".").split("."))


async def _walk_column(session: _Session, column: str) -> tuple[dict[Suffix, Any], SnmpFault | None]:
    base = _oid_tuple(column)
    width = len(base)
    rows: dict[Suffix, Any] = {}
    current = base
    max_rep = session.target.max_repetitions
    while True:
        fault, varbinds = await session.bulk(current, max_rep)
        if fault is not None:
            return rows, fault
        last = None
        for oid, value in varbinds:
            if oid[:width] != base or value == "endOfMibView":
                return rows, _empty_fault(rows, column)
            rows[oid[width:]] = value
            last = oid
        if last is None:
            return rows, _empty_fault(rows, column)
        if last <= current:
            return rows, SnmpFault(
                "not_increasing", f"{session.target.label} returned {last} after {current}"
            )
        current = last


def _empty_fault(rows: dict[Suffix, Any], column: str) -> SnmpFault | None:
    if rows:
        return None
    return SnmpFault("no_such_object", f"no instances under {column} (column not supported, or OID wrong)")


async def _get(session: _Session, oids: Sequence[str]) -> tuple[dict[str, Any], SnmpFault | None]:
    fault, varbinds = await session.get([_oid_tuple(oid) for oid in oids])
    return {".".join(map(str, oid)): value for oid, value in varbinds}, fault


async def walk_columns(
    engine: SnmpEngine, target: SnmpTarget, oids: list[str]
) -> dict[str, dict[Suffix, Any]]:
    """Walk several table columns (concurrently, within the target's limits).

    Returns {column oid: {index suffix: python value}}; raises SnmpError on the first failed column.
    """
    session = await _open_session(engine, target)
    try:
        results = await asyncio.gather(*(_walk_column(session, oid) for oid in oids))
    finally:
        session.close()
    walked: dict[str, dict[Suffix, Any]] = {}
    for oid, (rows, fault) in zip(oids, results, strict=True):
        if fault is not None:
            raise SnmpError(target.label, oid, fault)
        walked[oid] = rows
    return walked


def _usable_entries(entries: Iterable[OidMapEntry], poll_class: str, result: PollResult) -> list[OidMapEntry]:
    usable = []
    for entry in entries:
        if not entry.enabled or entry.poll_class != poll_class:
            continue
        result.polled_metrics.append(entry.metric)
        problems = validate_entry(entry)
        if problems:
            result.errors.append(MetricError(entry.metric, entry.oid, "invalid_oid_map", "; ".join(problems)))
        else:
            usable.append(entry)
    return usable


def _store_rows(result: PollResult, entry: OidMapEntry, rows: dict[Suffix, Any]) -> None:
    bad_values = 0
    first_bad = ""
    fmt = entry.index_format
    metric = entry.metric
    readings = result.readings
    for suffix, raw in rows.items():
        try:
            position = decode_index(fmt, suffix)
        except BadIndex:
            result.foreign_indexes[metric] = result.foreign_indexes.get(metric, 0) + 1
            continue
        if isinstance(raw, NoSuch):
            bad_values += 1
            first_bad = first_bad or f"{'.'.join(map(str, suffix))} = {raw}"
            reading = Reading(None, str(raw), str(raw))
        else:
            reading = decode_value(entry, raw)
        slot = readings.get(position)
        if slot is None:
            slot = readings[position] = {}
        slot[metric] = reading
    if bad_values:
        result.errors.append(
            MetricError(
                metric, entry.oid, "no_such_instance", f"{bad_values} rows without a value, e.g. {first_bad}"
            )
        )


async def _poll_column(session: _Session, entry: OidMapEntry, result: PollResult) -> None:
    rows, fault = await _walk_column(session, entry.oid)
    if fault is not None:
        result.errors.append(MetricError(entry.metric, entry.oid, fault.kind, fault.message))
    _store_rows(result, entry, rows)


async def _poll_scalars(session: _Session, entries: list[OidMapEntry], result: PollResult) -> None:
    values, fault = await _get(session, [e.oid for e in entries])
    for entry in entries:
        if fault is not None:
            result.errors.append(MetricError(entry.metric, entry.oid, fault.kind, fault.message))
            continue
        raw = values.get(entry.oid)
        if raw is None or isinstance(raw, NoSuch):
            message = f"{session.target.label} has no {entry.oid} ({raw or 'missing'})"
            result.errors.append(MetricError(entry.metric, entry.oid, "no_such_object", message))
            continue
        _store_rows(result, entry, {(): raw})


async def poll_olt(
    engine: SnmpEngine, target: SnmpTarget, entries: Iterable[OidMapEntry], poll_class: str | PollClass,
    no_onus: bool = False,
) -> PollResult:
    """Poll one OLT for one poll class. Device faults end up in result.errors, never raised.
    `no_onus`: the OLT has no ONU configured yet, so its ONU tables are expected empty."""
    poll_class = str(getattr(poll_class, "value", poll_class))
    result = PollResult(target=target.label, poll_class=poll_class, started_at=datetime.now(UTC))
    usable = _usable_entries(entries, poll_class, result)
    try:
        session = await _open_session(engine, target)
    except Exception as exc:  # bad host name, bad credentials config: recorded against the OLT
        for entry in usable:
            result.errors.append(MetricError(entry.metric, entry.oid, "transport", f"{target.label}: {exc}"))
        result.finished_at = datetime.now(UTC)
        return result
    scalars = [e for e in usable if e.index_format == "scalar"]
    columns = [e for e in usable if e.index_format != "scalar"]
    tasks = [_poll_column(session, entry, result) for entry in columns]
    if scalars:
        tasks.append(_poll_scalars(session, scalars, result))
    try:
        await asyncio.gather(*tasks)
    finally:
        session.close()
    empty_tables_are_not_errors(result, columns, no_onus)
    result.finished_at = datetime.now(UTC)
    return result


EMPTY_WALK = "no_such_object"


def empty_tables_are_not_errors(result: PollResult, columns: list[OidMapEntry], no_onus: bool = False) -> None:
    """A table whose columns (two or more) all walked empty has no rows: an OLT with no ONUs
    yet, not a fault; so is an empty ONU table (one column too) of an OLT with no ONU configured
    (`no_onus`). One empty column beside columns with rows stays an error (a column the device
    lacks, or a wrong OID)."""
    by_table: dict[str, list[OidMapEntry]] = {}
    for entry in columns:
        by_table.setdefault(entry.index_format, []).append(entry)
    for index_format, entries in by_table.items():
        oids = {e.oid for e in entries}
        empty = {e.oid for e in result.errors if e.kind == EMPTY_WALK and e.oid in oids}
        expected_empty = no_onus and index_format in INDEX_FORMATS and INDEX_FORMATS[index_format].level == "onu"
        if empty == oids and (len(oids) >= 2 or expected_empty):
            result.errors = [e for e in result.errors if not (e.kind == EMPTY_WALK and e.oid in oids)]
            result.empty_tables.append(index_format)


@dataclass
class PollJob:
    olt_id: int
    target: SnmpTarget
    entries: list[OidMapEntry]


async def poll_many(
    engine: SnmpEngine, jobs: Sequence[PollJob], poll_class: str | PollClass, concurrency: int = 32
) -> dict[int, PollResult]:
    """Poll many OLTs at once (at most `concurrency` in flight); one broken OLT never stops the others."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(job: PollJob) -> PollResult:
        async with gate:
            try:
                return await poll_olt(engine, job.target, job.entries, poll_class)
            except Exception as exc:  # a bug or an unexpected library error: isolate it to this OLT
                failed = PollResult(job.target.label, str(poll_class), datetime.now(UTC), datetime.now(UTC))
                failed.polled_metrics = [e.metric for e in job.entries]
                failed.errors.append(MetricError("*", "", "internal", f"{type(exc).__name__}: {exc}"))
                return failed

    results = await asyncio.gather(*(one(job) for job in jobs))
    return {job.olt_id: result for job, result in zip(jobs, results, strict=True)}


async def test_snmp(target: SnmpTarget) -> dict[str, Any]:
    """Read sysDescr/sysName/sysUpTime: {'ok': True, ...} or {'ok': False, 'error': what failed}."""
    started = time.monotonic()
    try:
        session = await _open_session(engine_for_loop(), target)
        try:
            values, fault = await _get(session, [SYS_DESCR, SYS_NAME, SYS_UPTIME])
        finally:
            session.close()
    except Exception as exc:
        return {"ok": False, "error": f"{target.label}: {exc}", "kind": "transport"}
    latency_ms = round((time.monotonic() - started) * 1000, 1)
    if fault is not None:
        return {"ok": False, "error": fault.message, "kind": fault.kind, "latency_ms": latency_ms}
    missing = [oid for oid, value in values.items() if isinstance(value, NoSuch)]
    if missing:
        return {"ok": False, "error": f"{target.label} has no {', '.join(missing)}", "kind": "no_such_object"}
    uptime = values.get(SYS_UPTIME)
    return {
        "ok": True,
        "sys_descr": _text(values.get(SYS_DESCR)),
        "sys_name": _text(values.get(SYS_NAME)),
        "uptime_s": int(uptime) // 100 if isinstance(uptime, int) else None,
        "latency_ms": latency_ms,
    }


test_snmp.__test__ = False  # type: ignore[attr-defined]  # not a pytest test despite its name


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)

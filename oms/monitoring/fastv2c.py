"""A small SNMPv2c GET/GETBULK client with a hand-written BER codec.

pysnmp decodes every response through pyasn1, which costs about half a
millisecond per varbind: for a 4,096-ONU OLT that is most of the poll's CPU.
SNMPv2c messages are simple enough to encode and decode directly (RFC 3416
PDUs, BER with definite lengths), so v2c polls go through this module and
only SNMPv3 (USM auth/priv) uses pysnmp.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from typing import Any

GET, GETBULK, RESPONSE = 0xA0, 0xA5, 0xA2
NO_SUCH_OBJECT, NO_SUCH_INSTANCE, END_OF_MIB_VIEW = 0x80, 0x81, 0x82
_UNSIGNED = {
    0x41,
    0x42,
    0x43,
    0x46,
    0x47,
}  # Counter32, Gauge32, TimeTicks, Counter64, Unsigned32 (opaque-ish)
_MARKERS = {
    NO_SUCH_OBJECT: "noSuchObject",
    NO_SUCH_INSTANCE: "noSuchInstance",
    END_OF_MIB_VIEW: "endOfMibView",
}
ERROR_STATUS = {
    1: "tooBig",
    2: "noSuchName",
    3: "badValue",
    4: "readOnly",
    5: "genErr",
    6: "noAccess",
    7: "wrongType",
    8: "wrongLength",
    9: "wrongEncoding",
    10: "wrongValue",
    11: "noCreation",
    12: "inconsistentValue",
    13: "resourceUnavailable",
    14: "commitFailed",
    15: "undoFailed",
    16: "authorizationError",
    17: "notWritable",
    18: "inconsistentName",
}

Oid = tuple[int, ...]


class Marker(str):
    """noSuchObject / noSuchInstance / endOfMibView in place of a value."""


class BerError(ValueError):
    pass


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(raw),)) + raw


def _tlv(tag: int, payload: bytes) -> bytes:
    return bytes((tag,)) + _length(len(payload)) + payload


def _integer(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def encode_oid(oid: Oid) -> bytes:
    if len(oid) < 2 or oid[0] > 2:
        raise BerError(f"cannot encode OID {oid}")
    body = bytearray()
    for sub in (oid[0] * 40 + oid[1], *oid[2:]):
        chunk = [sub & 0x7F]
        sub >>= 7
        while sub:
            chunk.append(0x80 | (sub & 0x7F))
            sub >>= 7
        body.extend(reversed(chunk))
    return _tlv(0x06, bytes(body))


def encode_request(
    community: bytes, pdu_type: int, request_id: int, oids: list[Oid], max_repetitions: int = 0
) -> bytes:
    varbinds = b"".join(_tlv(0x30, encode_oid(oid) + b"\x05\x00") for oid in oids)
    # for GETBULK the two middle integers are non-repeaters (0) and max-repetitions
    second, third = (0, max_repetitions) if pdu_type == GETBULK else (0, 0)
    pdu = _integer(request_id) + _integer(second) + _integer(third) + _tlv(0x30, varbinds)
    return _tlv(0x30, _integer(1) + _tlv(0x04, community) + _tlv(pdu_type, pdu))


def _read_length(buf: bytes, i: int) -> tuple[int, int]:
    first = buf[i]
    if first < 0x80:
        return first, i + 1
    count = first & 0x7F
    return int.from_bytes(buf[i + 1 : i + 1 + count], "big"), i + 1 + count


def decode_oid(raw: bytes) -> Oid:
    parts = []
    acc = 0
    for byte in raw:
        acc = (acc << 7) | (byte & 0x7F)
        if byte < 0x80:
            parts.append(acc)
            acc = 0
    if not parts:
        raise BerError("empty OID")
    first = parts[0]
    head = (first // 40, first % 40) if first < 80 else (2, first - 80)
    return (*head, *parts[1:])


def _value(tag: int, raw: bytes) -> Any:
    if tag == 0x02:
        return int.from_bytes(raw, "big", signed=True)
    if tag == 0x04 or tag == 0x44:
        return raw
    if tag in _UNSIGNED:
        return int.from_bytes(raw, "big")
    if tag in _MARKERS:
        return Marker(_MARKERS[tag])
    if tag == 0x06:
        return ".".join(map(str, decode_oid(raw)))
    if tag == 0x40:
        return ".".join(map(str, raw))
    if tag == 0x05:
        return None
    raise BerError(f"unsupported value tag 0x{tag:02x}")


def decode_response(buf: bytes) -> tuple[int, int, int, list[tuple[Oid, Any]]]:
    """(request id, error status, error index, varbinds) of a v2c Response message."""
    try:
        return _decode_response(buf)
    except IndexError:
        raise BerError("truncated SNMP message") from None


def _decode_response(buf: bytes) -> tuple[int, int, int, list[tuple[Oid, Any]]]:
    if buf[0] != 0x30:
        raise BerError("not an SNMP message")
    _, i = _read_length(buf, 1)
    for _skip in range(2):  # version, community
        length, i = _read_length(buf, i + 1)
        i += length
    if buf[i] != RESPONSE:
        raise BerError(f"unexpected PDU type 0x{buf[i]:02x}")
    _, i = _read_length(buf, i + 1)
    numbers = []
    for _field in range(3):  # request-id, error-status, error-index
        length, i = _read_length(buf, i + 1)
        numbers.append(int.from_bytes(buf[i : i + length], "big", signed=True))
        i += length
    length, i = _read_length(buf, i + 1)
    end = i + length
    varbinds = []
    while i < end:
        _, i = _read_length(buf, i + 1)  # varbind SEQUENCE
        length, i = _read_length(buf, i + 1)
        oid = decode_oid(buf[i : i + length])
        i += length
        tag = buf[i]
        length, i = _read_length(buf, i + 1)
        varbinds.append((oid, _value(tag, buf[i : i + length])))
        i += length
    return numbers[0], numbers[1], numbers[2], varbinds


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.pending: dict[int, asyncio.Future[tuple[int, int, list[tuple[Oid, Any]]]]] = {}

    def datagram_received(self, data: bytes, addr: Any) -> None:
        try:
            request_id, status, index, varbinds = decode_response(data)
        except BerError:
            return  # not ours or garbled: the request times out and is retried
        future = self.pending.pop(request_id, None)
        if future is not None and not future.done():
            future.set_result((status, index, varbinds))

    def error_received(self, exc: Exception) -> None:
        pass  # ICMP errors (closed port): behave like a silent agent, i.e. time out


class V2cTimeout(TimeoutError):
    pass


class V2cClient:
    """One UDP socket to one agent; requests are matched to answers by request id."""

    def __init__(self, community: str, timeout_s: float, retries: int) -> None:
        self.community = community.encode()
        self.timeout_s = timeout_s
        self.retries = retries
        self._ids = itertools.count(random.randint(1, 1 << 30))
        self._transport: asyncio.DatagramTransport | None = None
        self._protocol = _Protocol()

    async def open(self, host: str, port: int) -> V2cClient:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: self._protocol, remote_addr=(host, port)
        )
        return self

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    async def request(
        self, pdu_type: int, oids: list[Oid], max_repetitions: int = 0
    ) -> tuple[int, int, list[tuple[Oid, Any]]]:
        """(error status, error index, varbinds); raises V2cTimeout after all retries."""
        assert self._transport is not None, "V2cClient.open() first"
        loop = asyncio.get_running_loop()
        for _attempt in range(self.retries + 1):
            request_id = next(self._ids) & 0x7FFFFFFF
            future: asyncio.Future[tuple[int, int, list[tuple[Oid, Any]]]] = loop.create_future()
            self._protocol.pending[request_id] = future
            self._transport.sendto(
                encode_request(self.community, pdu_type, request_id, oids, max_repetitions)
            )
            try:
                return await asyncio.wait_for(future, self.timeout_s)
            except TimeoutError:
                self._protocol.pending.pop(request_id, None)
        raise V2cTimeout()

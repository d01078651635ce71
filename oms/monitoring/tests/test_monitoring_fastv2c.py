"""The hand-written v2c codec agrees with pyasn1/pysnmp on both directions."""

import pytest
from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import rfc1902, rfc1905
from pysnmp.proto.api import v2c

from oms.monitoring.fastv2c import GETBULK, BerError, Marker, decode_oid, decode_response, encode_request

HUGE_OID = (1, 3, 6, 1, 4, 1, 2011, 6, 128, 1, 1, 2, 46, 1, 15, 4194312192, 127)


def test_getbulk_request_is_what_pysnmp_would_send():
    message, rest = decoder.decode(
        encode_request(b"olt-7", GETBULK, 987654, [HUGE_OID], 25), asn1Spec=v2c.Message()
    )
    assert rest == b""
    assert str(message["community"]) == "olt-7"
    pdu = message["data"]["get-bulk-request"]
    assert (int(pdu["request-id"]), int(pdu["non-repeaters"]), int(pdu["max-repetitions"])) == (987654, 0, 25)
    assert pdu["variable-bindings"][0]["name"].asTuple() == HUGE_OID


def pysnmp_response(request_id, varbinds, status=0):
    pdu = v2c.ResponsePDU()
    v2c.apiPDU.set_defaults(pdu)
    v2c.apiPDU.set_request_id(pdu, request_id)
    v2c.apiPDU.set_error_status(pdu, status)
    v2c.apiPDU.set_varbinds(pdu, varbinds)
    message = v2c.Message()
    v2c.apiMessage.set_defaults(message)
    v2c.apiMessage.set_community(message, b"public")
    v2c.apiMessage.set_pdu(message, pdu)
    return encoder.encode(message)


def test_response_values_decode_like_pyasn1():
    values = [
        (HUGE_OID, rfc1902.Integer32(-2147483648)),
        ((1, 3, 6, 1, 2), rfc1902.Integer32(2147483647)),
        ((1, 3, 6, 1, 3), rfc1902.OctetString(bytes.fromhex("485754430011D168"))),
        ((1, 3, 6, 1, 4), rfc1902.Gauge32(4294967295)),
        ((1, 3, 6, 1, 5), rfc1902.TimeTicks(8640000)),
        ((1, 3, 6, 1, 6), rfc1902.Counter64(2**64 - 1)),
        ((1, 3, 6, 1, 7), rfc1902.ObjectIdentifier((1, 3, 6, 1, 4, 1, 2011, 2, 248))),
        ((1, 3, 6, 1, 8), rfc1902.IpAddress("10.0.0.1")),
        ((1, 3, 6, 1, 9), rfc1905.noSuchInstance),
        ((1, 3, 6, 1, 10), rfc1905.endOfMibView),
        ((1, 3, 6, 1, 11), rfc1902.OctetString(b"x" * 300)),  # long-form length
    ]
    request_id, status, index, decoded = decode_response(pysnmp_response(4242, values))
    assert (request_id, status, index) == (4242, 0, 0)
    assert [oid for oid, _ in decoded] == [oid for oid, _ in values]
    assert [value for _, value in decoded] == [
        -2147483648,
        2147483647,
        bytes.fromhex("485754430011D168"),
        4294967295,
        8640000,
        2**64 - 1,
        "1.3.6.1.4.1.2011.2.248",
        "10.0.0.1",
        "noSuchInstance",
        "endOfMibView",
        b"x" * 300,
    ]
    assert isinstance(decoded[8][1], Marker)


def test_error_status_and_garbage():
    _, status, _, _ = decode_response(pysnmp_response(1, [((1, 3, 6, 1), v2c.null)], status=5))
    assert status == 5
    with pytest.raises(BerError):
        decode_response(b"\x30\x03\x02\x01")
    with pytest.raises(BerError):
        decode_response(b"\x04\x00")
    assert decode_oid(bytes([0x2B, 0x06, 0x01, 0x8F, 0x5B])) == (1, 3, 6, 1, 2011)

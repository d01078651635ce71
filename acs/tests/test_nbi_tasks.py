"""The local mirror of GenieACS's sanitizeTask and generateDeviceId (acs/nbi_tasks.py).

Cases come from GenieACS v1.2.16's own source and docs: docs/api-reference.rst (device ids,
task bodies), lib/util.ts L3-27, lib/api-functions.ts L252-354, lib/common/path.ts,
lib/cwmp.ts L681-748.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from acs import nbi_tasks as t
from acs.nbi_tasks import InvalidTask, device_id, device_path, redacted, validate_task
from core.errors import Invalid
from lab.genieacs.tree import generate_device_id

SSID = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID"
PSK = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.PreSharedKey.1.PreSharedKey"
PPP = "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection"


# --- device ids (lib/util.ts L3-27) -------------------------------------------------------------

@pytest.mark.parametrize(("oui", "product_class", "serial", "expected"), [
    # docs/api-reference.rst L364, L379: the '-' of the serial is escaped
    ("00236a", "96318REF", "SR360NA0A4-0003196", "00236a-96318REF-SR360NA0A4%2D0003196"),
    ("00236a", "SR552n", "SR552NA084-0003269", "00236a-SR552n-SR552NA084%2D0003269"),  # L386
    ("202BC1", "BM632w", "000000", "202BC1-BM632w-000000"),  # L123
    ("00259E", "", "48575443A94196A5", "00259E-48575443A94196A5"),  # no product class (L17, L26)
    ("00259E", None, "48575443A94196A5", "00259E-48575443A94196A5"),
    ("00259E", "EG8145V5", "HWTC 1234", "00259E-EG8145V5-HWTC%201234"),
    ("00259E", "F6.70", "a_b", "00259E-F6%2E70-a_b"),  # '_' stays, '.' goes
    ("00259E", "X", "é", "00259E-X-%C3%A9"),  # UTF-8 bytes, upper-case hex
    ("00259E", "X", "a\nb", "00259E-X-a%Ab"),  # `b.toString(16)`: not zero-padded
    ("00259E", "X", "\U0001f600", "00259E-X-%EF%BF%BD%EF%BF%BD"),  # UTF-16 halves -> U+FFFD each
])
def test_device_id_follows_generate_device_id(oui: str, product_class: str | None, serial: str,
                                              expected: str) -> None:
    assert device_id(oui, product_class, serial) == expected


def test_device_path_escapes_the_percent_again() -> None:
    # docs/api-reference.rst L364: /devices/00236a-96318REF-SR360NA0A4%252D0003196/tasks
    dev = device_id("00236a", "96318REF", "SR360NA0A4-0003196")
    assert device_path(dev) == "00236a-96318REF-SR360NA0A4%252D0003196"
    assert device_path("a/b c") == "a%2Fb%20c"


_BMP = st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"])


@given(st.text(_BMP), st.text(_BMP))
def test_device_id_matches_the_emulator(product_class: str, serial: str) -> None:
    """Two independent readings of lib/util.ts agree (below U+10000; see the astral case above)."""
    assert device_id("00259E", product_class, serial) == generate_device_id("00259E", product_class, serial)


# --- builders ---------------------------------------------------------------------------------------

def test_builders_make_the_documented_bodies() -> None:
    # docs/api-reference.rst: the same shapes, without the dropped xsd type (lib/cwmp.ts L695-699)
    assert t.set_parameter_values({SSID: "GenieACS"}) == {
        "name": "setParameterValues", "parameterValues": [[SSID, "GenieACS"]]}
    assert t.get_parameter_values(["InternetGatewayDevice.Time.NTPServer1"]) == {
        "name": "getParameterValues", "parameterNames": ["InternetGatewayDevice.Time.NTPServer1"]}
    assert t.refresh_object("") == {"name": "refreshObject", "objectName": ""}
    assert t.add_object(PPP) == {"name": "addObject", "objectName": PPP}
    assert t.delete_object(PPP + ".1") == {"name": "deleteObject", "objectName": PPP + ".1"}
    assert t.reboot() == {"name": "reboot"}
    assert t.factory_reset() == {"name": "factoryReset"}
    assert t.download("fw.bin") == {"name": "download", "fileType": "1 Firmware Upgrade Image", "fileName": "fw.bin"}


def test_unique_key_and_expiry() -> None:
    task = t.reboot(unique_key="onu:7:reboot", expiry=timedelta(minutes=10))
    assert task == {"name": "reboot", "uniqueKey": "onu:7:reboot", "expiry": 600}
    at = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
    assert t.reboot(expiry=at)["expiry"] == "2026-12-04T20:00:00.000Z"
    assert validate_task({"name": "reboot", "expiry": "2026-12-04T20:00:00+01:00"})["expiry"]


# --- validation: what sanitizeTask throws on (the NBI would crash) ------------------------------------

@pytest.mark.parametrize(("task", "why"), [
    ({"name": "reboots"}, "Invalid task name"),  # L349-350
    ({}, "Invalid task name"),
    ({"name": "getParameterValues"}, "parameterNames"),  # L275-276
    ({"name": "getParameterValues", "parameterNames": []}, "parameterNames"),
    ({"name": "getParameterValues", "parameterNames": [""]}, "empty"),  # L278
    ({"name": "getParameterValues", "parameterNames": [7]}, "must be a string"),
    ({"name": "setParameterValues", "parameterValues": []}, "parameterValues"),  # L284-285
    ({"name": "setParameterValues", "parameterValues": [[SSID]]}, "[path, value]"),  # L262-263
    ({"name": "setParameterValues", "parameterValues": [[SSID, None]]}, "string, boolean or number"),  # L266
    ({"name": "setParameterValues", "parameterValues": [[SSID, ["x"]]]}, "string, boolean or number"),
    ({"name": "setParameterValues", "parameterValues": [[SSID, "x", 5]]}, "type of"),  # L267
    ({"name": "setParameterValues", "parameterValues": "x"}, "parameterValues"),
    ({"name": "refreshObject"}, "must be a string"),  # L293-294
    ({"name": "deleteObject", "objectName": ""}, "empty"),  # L298-299
    ({"name": "addObject", "objectName": PPP, "parameterValues": {"a": 1}}, "list"),  # L304-305
    ({"name": "download", "fileName": "fw.bin"}, "fileType"),  # L316-317
    ({"name": "download", "fileType": "1 Firmware Upgrade Image"}, "fileName"),  # L319-320
    ({"name": "download", "fileType": t.FIRMWARE, "fileName": "f", "targetFileName": 3}, "targetFileName"),  # L323-327
    ({"name": "provisions", "provisions": ["not-a-list"]}, "provision"),  # L333-334: arr.every on a string
])
def test_sanitize_task_rules(task: dict[str, object], why: str) -> None:
    with pytest.raises(InvalidTask, match=why.replace("[", r"\[").replace("]", r"\]")):
        validate_task(task)


def test_invalid_task_is_a_domain_invalid() -> None:
    assert issubclass(InvalidTask, Invalid)
    assert InvalidTask.status == 422


# --- validation: what passes sanitizeTask but fails in the session, or does what is not meant ------------

@pytest.mark.parametrize(("path", "why"), [
    (PPP + ".", "trailing dot"),  # lib/common/path.ts L136-143, L182: CWMP's object-name dot
    ("InternetGatewayDevice..LANDevice", "empty segment"),
    (".InternetGatewayDevice", "empty segment"),
    ("InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SS ID", "may only hold"),  # L22-30
    ("InternetGatewayDevice.LANDevice.[SSID:x]", "may only hold"),  # aliases: GenieACS's own
    ("InternetGatewayDevice.LANDevice.*.SSID", "wildcard"),  # policy: SPV names the instance
    ("InternetGatewayDevice.LANDevice.1*", "may only hold"),
    ("Reboot", "must start with"),  # GenieACS's virtual root (lib/default-provisions.ts L140)
    ("Tags.x", "must start with"),
    (".".join(["Device"] + ["A"] * 16), "MAX_DEPTH"),  # lib/config.ts L73
])
def test_spv_paths(path: str, why: str) -> None:
    with pytest.raises(InvalidTask, match=why):
        t.set_parameter_values({path: "x"})


def test_gpv_and_refresh_allow_wildcards_and_the_whole_tree() -> None:
    assert t.get_parameter_values(["InternetGatewayDevice.LANDevice.1.WLANConfiguration.*.SSID"])
    assert t.refresh_object("InternetGatewayDevice.WANDevice.*")["objectName"].endswith("*")
    with pytest.raises(InvalidTask, match="empty"):
        t.get_parameter_values([""])


@pytest.mark.parametrize(("value", "why"), [
    (float("nan"), "finite"),
    (float("inf"), "finite"),
    (2**53, "2\\^53"),
    ("a\x00b", "U\\+0000"),
    ("\ud800", "U\\+D800"),
    ("x" * 70000, "characters long"),
    (b"bytes", "string, boolean or number"),
])
def test_spv_values(value: object, why: str) -> None:
    with pytest.raises(InvalidTask, match=why):
        t.set_parameter_values({SSID: value})  # type: ignore[dict-item]


def test_spv_accepts_the_json_scalar_types() -> None:
    task = t.set_parameter_values([(SSID, "é\t\n"), ("Device.X.Enable", True), ("Device.X.Count", 3),
                                   ("Device.X.Ratio", 0.5)])
    assert [v for _, v in task["parameterValues"]] == ["é\t\n", True, 3, 0.5]
    # the documented xsd type is accepted (and dropped by GenieACS, lib/cwmp.ts L695-699)
    assert validate_task({"name": "setParameterValues", "parameterValues": [[SSID, "x", "xsd:string"]]})


def test_at_most_one_rpc_of_parameters() -> None:
    # GPV_BATCH_SIZE = 32 (lib/config.ts L72): more would be several non-atomic SPVs
    values = {f"Device.X.P{i}": i for i in range(33)}
    with pytest.raises(InvalidTask, match="more than 32"):
        t.set_parameter_values(values)
    assert validate_task(t.set_parameter_values(dict(list(values.items())[:32])))
    with pytest.raises(InvalidTask, match="more than 2"):
        validate_task(t.set_parameter_values(dict(list(values.items())[:3])), max_parameters=2)


def test_duplicate_paths_are_refused() -> None:
    with pytest.raises(InvalidTask, match="twice"):
        t.set_parameter_values([(SSID, "a"), (SSID, "b")])


def test_object_tasks() -> None:
    # deleteObject -> `instances <obj> 0` (lib/cwmp.ts L726-729): a table would lose every instance
    with pytest.raises(InvalidTask, match="all its instances"):
        t.delete_object(PPP)
    with pytest.raises(InvalidTask, match="wildcard"):
        t.delete_object(PPP + ".*")
    with pytest.raises(InvalidTask, match="table"):
        t.add_object(PPP + ".1")
    # addObject values become an alias (lib/cwmp.ts L718-724; lib/common/path.ts L39-69)
    assert t.add_object(PPP, {"Username": "u", "Enable": True})["parameterValues"] == [
        ["Username", "u"], ["Enable", True]]
    with pytest.raises(InvalidTask, match="backslash"):
        t.add_object(PPP, {"Username": "dom\\"})
    with pytest.raises(InvalidTask, match="may only hold"):
        t.add_object(PPP, {"User name": "u"})


def test_download_rules() -> None:
    # the GUI's `file` form is accepted by sanitizeTask (L314-321) and resolved at session time
    assert validate_task({"name": "download", "file": "mipsbe-6-42-lite.xml"}) == {
        "name": "download", "file": "mipsbe-6-42-lite.xml"}
    with pytest.raises(InvalidTask, match="file type"):
        t.download("fw.bin", file_type="Firmware")
    assert t.download("cfg.xml", file_type="X 00259E Config", target_file_name="a.xml")["targetFileName"] == "a.xml"
    with pytest.raises(InvalidTask, match="backslash"):
        t.download("c:\\fw.bin")


@pytest.mark.parametrize(("extra", "why"), [
    ({"_id": "6b130c31f958bb52ec66dd4f"}, "set by GenieACS"),  # nbi.ts L428: new ObjectId(...)
    ({"device": "x"}, "set by GenieACS"),  # nbi.ts L269
    ({"timestamp": 5}, "set by GenieACS"),
    ({"objectName": "x"}, "takes no"),
    ({"uniqueKey": {"$ne": None}}, "uniqueKey"),  # lib/api-functions.ts L362-367: a Mongo filter
    ({"uniqueKey": ""}, "uniqueKey"),
    ({"uniqueKey": "has space"}, "uniqueKey"),
    ({"expiry": 0}, "positive"),  # L254: 0 is falsy, no expiry at all
    ({"expiry": -5}, "positive"),
    ({"expiry": True}, "expiry"),  # isNaN(true) is false -> 1 s
    ({"expiry": "tomorrow"}, "ISO 8601"),  # new Date("tomorrow") is an Invalid Date
    ({"expiry": "2026-12-04T20:00:00"}, "time zone"),
])
def test_common_fields(extra: dict[str, object], why: str) -> None:
    with pytest.raises(InvalidTask, match=why.replace("$", r"\$")):
        validate_task({"name": "reboot", **extra})


def test_validate_returns_a_clean_copy() -> None:
    task = {"name": "setParameterValues", "parameterValues": ((SSID, "x"),), "uniqueKey": "k", "expiry": 60}
    clean = validate_task(task)
    assert clean == {"name": "setParameterValues", "parameterValues": [[SSID, "x"]], "uniqueKey": "k", "expiry": 60}


# --- redaction ---------------------------------------------------------------------------------------------

def test_redacted_hides_secret_values_only() -> None:
    task = t.set_parameter_values({SSID: "Home", PSK: "hunter22", PPP + ".1.Password": "s3cret",
                                   "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.KeyPassphrase": "pass1234"})
    shown = redacted(task)
    assert shown["parameterValues"] == [[SSID, "Home"], [PSK, "***"], [PPP + ".1.Password", "***"],
                                        ["InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.KeyPassphrase", "***"]]
    assert task["parameterValues"][1][1] == "hunter22"  # the task itself is untouched
    assert redacted({"name": "provisions", "provisions": [["wan", "user", "pw"]]})["provisions"] == [
        ["wan", "***", "***"]]


def test_errors_do_not_echo_secret_values() -> None:
    with pytest.raises(InvalidTask) as caught:
        t.set_parameter_values({PPP + ".1.Password": float("nan")})
    assert "nan" not in str(caught.value)

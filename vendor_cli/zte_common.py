"""Connection settings shared by the ZTE ZXAN CLIs (C300/C320 and C600/C650).

scrapli_community has no ZTE platform, so ZTE goes through nornir-scrapli's
`generic` platform (scrapli GenericDriver) with a prompt pattern for every ZXAN
mode and an on_open that reaches privileged exec and turns paging off.

Also what both ZXAN families share: CLI modes, saving (`write`), admin states, the
rules for ONU names/descriptions and the card names that tell C300/C320 from C600.

Stable API (imported by the zte_c6xx family): `zte_scrapli_options(transport)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from vendor_cli.base import CommandAnswer, OnuOptical, OnuState, OnuStatus, VendorDriver
from vendor_cli.render import cli_safe
from vendor_cli.ssh import SSH_TRANSPORT

# `ZXAN>`, `ZXAN#`, `ZXAN(config)#`, `ZXAN(config-if)#`, `ZXAN(gpon-onu-mng)#`,
# `LO.Berkah-Pati.v2#` ... (hostnames may contain `.`, `-`, `_`, `@`, `/`, `:`).
HOSTNAME = r"[\w.\-@/:]{1,63}"
MODE = r"(?:\([^()\r\n]{1,48}\))?"
ZTE_PROMPT_PATTERN = rf"^{HOSTNAME}{MODE}[#>]\s*$"
ZTE_PRIV_PROMPT_PATTERN = rf"^{HOSTNAME}{MODE}#\s*$"
ZTE_ENABLE_PASSWORD_PATTERN = r"^\s*password:\s*$"
ZTE_PAGER = " --More--"

#: OLT commands (large ONU tables, provisioning) can take several seconds each.
ZTE_TIMEOUT_OPS = 60.0
ZTE_TIMEOUT_SOCKET = 15.0
ZTE_TIMEOUT_TRANSPORT = 30.0
TELNET_PORT = 23


# ZXAN answers "no rows" with a %Code notice, e.g.
# `%Code 32310-GPONSRV : No related information to show.` (C300) / `%Code 62310-...` (C320 V2.1).
NO_DATA_PATTERN = re.compile(r"No related information to show", re.I)

# ZXAN `Phase State` -> OnuStatus; keys lower-case without spaces or `_` (both families;
# LOSi/LOFi are per-ONU loss of signal/frame). The same names as the SNMP value maps of the
# ZTE `onu_status` rows (oms/monitoring/oid_defaults.py, zxGponOntPhaseState on C300/C320 and
# the 1082 phase state on C600): logging -> offline, syncMib -> online, authFailed -> offline,
# so that a CLI read and an SNMP poll of the same ONU store the same status.
_PHASE_STATES = {
    "working": OnuStatus.ONLINE.value,
    "syncmib": OnuStatus.ONLINE.value,
    "synchronization": OnuStatus.ONLINE.value,
    "logging": OnuStatus.OFFLINE.value,
    "authfailed": OnuStatus.OFFLINE.value,
    "los": OnuStatus.LOS.value,
    "losi": OnuStatus.LOS.value,
    "lofi": OnuStatus.LOS.value,
    "dyinggasp": OnuStatus.DYING_GASP.value,
    "offline": OnuStatus.OFFLINE.value,
    "poweroff": OnuStatus.POWER_OFF.value,
}
# Causes of the detail-info history (`Cause` column: LOS, LOSi, DyingGasp ...) -> the names of the
# ZTE `onu_last_down_cause` SNMP value maps (oid_defaults.py); keys as in _PHASE_STATES. A cause
# not listed comes back lower-cased as printed.
_DOWN_CAUSES = {
    "dyinggasp": "dying_gasp",
    "poweroff": "power_off",
    "authfail": "auth_failed",
    "authfailed": "auth_failed",
    "deactivesucc": "deactivated",
    "deactivated": "deactivated",
    "deactivefail": "deactivate_failed",
}
# `Admin state` / `Admin State` of detail-info and the state table: enable / disable
# (tests/data captures of both families; `disable` in state_offline_footer.txt).
_ADMIN_STATES = {"enable": "enabled", "disable": "disabled"}
# \x08 erase sequences and the pager prompt a ZXAN session leaves in the text when paging was on.
_PAGER = re.compile(r"(?: ?--More--)?(?:\x08+ *\x08*)+| --More--")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def is_no_data(text: str) -> bool:
    """True when the answer is ZXAN's "nothing to show" notice."""
    return bool(NO_DATA_PATTERN.search(text))


def run_state_from_phase(phase: str | None) -> str:
    """ZXAN `Phase State` (working / LOS / DyingGasp / OffLine ...) -> an OnuStatus value."""
    key = (phase or "").replace(" ", "").replace("_", "").lower()
    return _PHASE_STATES.get(key, OnuStatus.UNKNOWN.value)


def down_cause(cause: str | None) -> str | None:
    """A detail-info history `Cause` (DyingGasp, LOSi ...) -> the SNMP map's name (dying_gasp, losi ...)."""
    word = (cause or "").strip()
    if not word:
        return None
    key = word.replace(" ", "").replace("_", "").lower()
    return _DOWN_CAUSES.get(key, key)


def clean_output(text: str) -> str:
    """Drop pager remnants and carriage returns so rows start at column 0 again."""
    return _PAGER.sub("", text.replace("\r", ""))


def dbm(value: str | None) -> float | None:
    """`-20.241(dbm)` / `-20.241` -> -20.241; `N/A`, `no signal` -> None."""
    match = _NUMBER.search(value or "")
    return float(match.group(0)) if match else None


def admin_state(value: str | None) -> str | None:
    """ZXAN `Admin state` (enable / disable) -> "enabled" / "disabled", None when it does not say."""
    return _ADMIN_STATES.get((value or "").strip().lower())


# --- tables both families print with the same rows ------------------------------------------
# A row names its ONU `gpon-onu_F/S/P:N` (C300), `gpon_onu-F/S/P:N` (C600) or `F/S/P:N` (newer firmware).
_ONU_INDEX = re.compile(r"^(?:gpon-onu_|gpon_onu-)?(\d+)/(\d+)/(\d+):(\d+)$")
# `show gpon onu state` columns when the answer has no header (a cut capture): the common layout
_STATE_COLUMNS = ("onuindex", "admin state", "omcc state", "phase state", "channel")


def _state_header(line: str) -> list[str] | None:
    """The lower-cased column names of an `OnuIndex  Admin State  OMCC State ...` header line."""
    words = line.split()
    if not words or words[0].lower() != "onuindex":
        return None
    return [column.lower() for column in re.split(r"\s{2,}", line.strip())]


def parse_state_rows(text: str) -> list[OnuState]:
    """Every row of `show gpon onu state [PORT]` (both ZXAN families, any number of ports), read by
    header name: `Admin State | OMCC State | O7 State | Phase State` (C320), `... | Phase State |
    Channel` (C300 firmware without O7), `Admin state | OMCC state | Phase state | Speed mode` (C600).
    Prompts, command echoes, rulers, footers (`ONU Number: 34/39`) and pager remnants are skipped."""
    if is_no_data(text):
        return []
    columns = list(_STATE_COLUMNS)
    states = []
    for line in clean_output(text).splitlines():
        if header := _state_header(line):
            columns = header
            continue
        words = line.split()
        match = _ONU_INDEX.match(words[0]) if words else None
        if not match:
            continue
        row = dict(zip(columns, words, strict=False))
        frame, slot, port, onu_id = (int(n) for n in match.groups())
        states.append(
            OnuState(
                frame,
                slot,
                port,
                onu_id,
                run_state=run_state_from_phase(row.get("phase state")),
                admin_state=admin_state(row.get("admin state")),
                omcc_state=omcc_state(row.get("omcc state")),
            )
        )
    return states


def omcc_state(value: str | None) -> str | None:
    """ZXAN `OMCC State` (enable / disable: is the ONU's OMCI management channel up) -> "enabled" /
    "disabled", None when the answer does not say."""
    return _ADMIN_STATES.get((value or "").strip().lower())


_RX_ROW = re.compile(r"^\s*(?P<onu>(?:gpon-onu_|gpon_onu-)?\d+/\d+/\d+:\d+)\s+(?P<value>\S+)\s*$")
_RX_HEADER = re.compile(r"^\s*Onu\s+Rx\s+power\s*$", re.I | re.M)
_TX_HEADER = re.compile(r"^\s*Onu\s+Tx\s+power\s*$", re.I | re.M)


def parse_onu_rx_rows(text: str) -> list[tuple[int, int, int, int, float | None]]:
    """(frame, slot, port, onu_id, dBm) of each row of `show pon power onu-rx gpon-olt_F/S/P` (or of one
    ONU, `... gpon-onu_F/S/P:N`): what each ONU receives; `N/A` (ONU offline) gives None.
    Raises ValueError for an answer that is not this table (e.g. the `onu-tx` table)."""
    if is_no_data(text):
        return []
    text = clean_output(text)
    if _TX_HEADER.search(text) or not _RX_HEADER.search(text):
        raise ValueError(f"not a `show pon power onu-rx` answer (no `Onu  Rx power` header): {text[:120]!r}")
    rows = []
    for line in text.splitlines():
        if (row := _RX_ROW.match(line)) and (index := _ONU_INDEX.match(row["onu"])):
            frame, slot, port, onu_id = (int(n) for n in index.groups())
            rows.append((frame, slot, port, onu_id, dbm(row["value"])))
    return rows


def parse_port_rx(text: str) -> dict[int, OnuOptical]:
    """`show pon power onu-rx` of one PON port: {onu_id: OnuOptical(rx_dbm=...)}, rx None when the
    OLT prints N/A. Raises ValueError when the answer names several ports (ids would collide)."""
    rows = parse_onu_rx_rows(text)
    ports = {row[:3] for row in rows}
    if len(ports) > 1:
        raise ValueError(f"`show pon power onu-rx` answer covers several PON ports: {sorted(ports)}")
    return {onu_id: OnuOptical(rx_dbm=rx) for *_, onu_id, rx in rows}


# --- CLI modes (reference §3.1: `configure terminal` -> (config)#, `interface ...` ->
# (config-if)#, `pon-onu-mng ...` -> (gpon-onu-mng)#; `exit` one level up, `end` to `#`) ---
ENTER_MODE_PATTERN = r"configure terminal|interface \S+|pon-onu-mng \S+"
LEAVE_MODE_PATTERN = r"exit"
TOP_MODE_PATTERN = r"end"

# --- saving: `write` from privileged exec (NOC ZTE.ZXA10 command_save_config, netmiko
# zte_zxros save_config). A public ZXAN guide shows `ZXAN#write` answering `.[OK].` (code-search
# index file id 18049310025); IOS-style CLIs print `Building configuration...` first. ---
SAVE_COMMAND = "write"
_WRITE = re.compile(r"^\s*write\s*$")


def save_error(command: str, output: str) -> str | None:
    """Why the answer to `write` is not a finished save (None when it confirmed with [OK],
    or when `command` is not `write`)."""
    if not _WRITE.match(command) or "[OK]" in output:
        return None
    first = next((line.strip() for line in output.splitlines() if line.strip()), "nothing")
    return f"device did not confirm the save with [OK] (it answered {first!r})"


# --- ONU name / description in `name ...` / `description ...` (ZXAN interface gpon-onu) ---
# A space ends the `name` argument (this project's brief: the C320 then answers "Incomplete
# command" / "Invalid input"; the public captures' names have none: `Client`,
# `mayararenata@hbnet.com`), so spaces become `_`; `description` keeps them.
# No public CLI reference gives the lengths. The MIB columns behind them are
# zxGponOntDevMgmtName OCTET STRING (SIZE(0..128)) and zxGponOntDevMgmtDescription OCTET STRING
# (SIZE(127)) (ZXGPON-SERVICE-MIB; DotZero24/pysnmp-mibs mibs/zte/ZXGPON-SERVICE-MIB @3ff4d5d0,
# L9207-9219). We stay well inside them (also for two-byte UTF-8 text): conservative limits of
# our own choosing until a CLI reference says otherwise.
NAME_MAX = 32
DESCRIPTION_MAX = 64


def onu_name(text: str) -> str:
    return cli_safe(text, NAME_MAX).replace(" ", "_")


def onu_description(text: str) -> str:
    return cli_safe(text, DESCRIPTION_MAX)


# --- cards that tell the families apart in `show card` ---
# Main control cards of the C300/C320 generation: every C300/C320 lists one (SCXN on C300, SMXA
# on C320 in the tests/data captures). Sources: a public card-type list (pastebin.com/JRMTdRQf,
# "Main control card") and NOC ZTE.ZXA10 get_inventory (MAINBOARD types).
C3XX_CONTROL_CARDS = frozenset(
    {"SCGL", "SCGM", "SCXL", "SCXM", "SCGS", "SCXMC", "SCXLC", "SCTM", "SMXA", "SCXN", "SCTMB"}
)
# Cards of the C600 generation (TITAN): a real C620 reports HFTH (PON), SPUF (control, "MPU"),
# PRSF (power), FCSDA (fan) in its card table over SNMP (LibreNMS tests/snmpsim/zxa10_c600.snmprec
# @5e18619b, ZXA10 C620 V1.2.2). GFBN/GFGN (PON) and SFUL (control) are C600 cards named in this
# project's brief, not confirmed by a public source; no public C600 `show card` CLI capture was
# found. (HUTQ is no help: NOC lists it for the C300 generation too.)
C6XX_CARDS = frozenset({"HFTH", "SPUF", "PRSF", "FCSDA", "GFBN", "GFGN", "SFUL"})


class ZteSessionError(RuntimeError):
    """The session could not be brought to privileged exec mode."""


def _is_privileged(prompt: str) -> bool:
    return prompt.rstrip().endswith("#")


def _enter_enable(conn: Any, enable_password: str | None) -> None:
    # `enable` may or may not ask for a password, so wait for either answer.
    answer = conn.send_interactive(
        [("enable", f"^(?:{ZTE_ENABLE_PASSWORD_PATTERN[1:-1]}|{ZTE_PROMPT_PATTERN[1:-1]})$", False)]
    ).result
    if re.search(ZTE_ENABLE_PASSWORD_PATTERN, answer.splitlines()[-1] if answer else "", re.I):
        secret = conn.auth_password if enable_password is None else enable_password
        conn.send_interactive([(secret, ZTE_PROMPT_PATTERN, True)])
    prompt = conn.get_prompt()
    if not _is_privileged(prompt):
        raise ZteSessionError(f"{conn.host}: `enable` did not reach privileged mode (prompt {prompt!r})")


def make_zte_on_open(enable_password: str | None = None) -> Callable[[Any], None]:
    """on_open for scrapli's GenericDriver: reach `#` (enable password defaults
    to the login password) and disable paging."""

    def zte_on_open(conn: Any) -> None:
        prompt = conn.get_prompt()
        if not _is_privileged(prompt):
            _enter_enable(conn, enable_password)
        conn.send_command("terminal length 0")

    return zte_on_open


def zte_on_close(conn: Any) -> None:
    """Leave politely; ZXAN does not ask for a confirmation on `exit` from exec mode."""
    conn.channel.write("end")
    conn.channel.send_return()
    conn.channel.write("exit")
    conn.channel.send_return()


zte_on_open = make_zte_on_open()


def zte_scrapli_options(transport: str, enable_password: str | None = None) -> dict[str, Any]:
    """Nornir ConnectionOptions kwargs for the nornir-scrapli `scrapli` plugin.

    transport: "ssh" (OpenSSH through scrapli's `system` transport) or "telnet".
    `port` is None for ssh so the inventory's port (default 22) applies.
    """
    if transport not in ("ssh", "telnet"):
        raise ValueError(f"unsupported ZTE transport {transport!r} (expected 'ssh' or 'telnet')")
    extras: dict[str, Any] = {
        "comms_prompt_pattern": ZTE_PROMPT_PATTERN,
        "timeout_ops": ZTE_TIMEOUT_OPS,
        "timeout_socket": ZTE_TIMEOUT_SOCKET,
        "timeout_transport": ZTE_TIMEOUT_TRANSPORT,
        "on_open": make_zte_on_open(enable_password),
        "on_close": zte_on_close,
    }
    if transport == "ssh":
        extras.update(
            transport=SSH_TRANSPORT,
            auth_strict_key=False,
            ssh_known_hosts_file=False,
        )
        return {"platform": "generic", "port": None, "extras": extras}
    extras["transport"] = "telnet"
    return {"platform": "generic", "port": TELNET_PORT, "extras": extras}


#: `reboot` in pon-onu-mng asks this before it acts (C300/C320 and C600 alike)
REBOOT_QUESTION = "Confirm to reboot? [yes/no]:"
_REBOOT = re.compile(r"^\s*reboot\s*$")


def send_zte_command(conn: Any, command: str) -> CommandAnswer:
    """Send one command; `reboot` is answered `yes` at its confirmation question,
    which is dropped from the answer so that error checks see only the result."""
    if not _REBOOT.match(command):
        response = conn.send_command(command)
        return CommandAnswer(command, response.result, response.elapsed_time or 0.0)
    response = conn.send_interactive([(command, REBOOT_QUESTION, False), ("yes", ZTE_PROMPT_PATTERN, False)])
    return CommandAnswer(command, response.result.replace(REBOOT_QUESTION, "").strip(), response.elapsed_time or 0.0)


class ZxanDriver(VendorDriver):
    """What both ZXAN families (C300/C320 and C600) share: ONU ids from 1, CLI modes, the
    SSH/telnet settings, `write`, the reboot confirmation and the name/description rules
    (the C600 keeps the C300's `name` / `description` commands; onmt C600 extends C300)."""

    first_onu_id = 1
    enter_mode_pattern = ENTER_MODE_PATTERN
    leave_mode_pattern = LEAVE_MODE_PATTERN
    top_mode_pattern = TOP_MODE_PATTERN

    def scrapli_options(self, transport: str) -> dict[str, Any]:
        return zte_scrapli_options(transport)

    def cmd_save(self) -> list[str]:
        return [SAVE_COMMAND]

    def cli_name(self, text: str) -> str:
        return onu_name(text)

    def cli_description(self, text: str) -> str:
        return onu_description(text)

    def send_one(self, conn: Any, command: str) -> CommandAnswer:
        return send_zte_command(conn, command)

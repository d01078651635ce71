"""Parameter trees for the GenieACS NBI emulator: CSV loading, copy-on-write device stores, device ids.

Sources (GenieACS, genieacs/genieacs tag v1.2.16 = commit 38e9dfd0e6dcac51087d11040784fda76ad2460a):

- `generate_device_id` mirrors `generateDeviceId` (lib/util.ts L3-27 @v1.2.16).
- `sanitize_parameter_value` mirrors `sanitizeParameterValue`/`parseBool` (lib/device.ts L18-66 @v1.2.16):
  how GenieACS coerces a task's value to the parameter's stored type before sending a SetParameterValues.
- `cpe_value_error` is the emulated *CPE's* own check of a value (not GenieACS code): the type ranges of
  TR-069 Amendment 6 §A.2.2 (xsd types) and a few enumerations/lengths of TR-098/TR-181 (see `_CONSTRAINTS`).

Trees are the CSVs under `trees/` (genieacs-sim format: `Parameter,Object,Writable,Value,Value type`, the
anlix files add timestamp columns that are ignored). A `ModelTree` is parsed once per model and shared by every
emulated CPE of that model; a `Store` is a per-device copy-on-write layer over it, so 10,000 CPEs cost 10,000
small dicts, not 10,000 trees.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

TREES_DIR = Path(__file__).with_name("trees")

# model name -> CSV file under trees/
MODELS: dict[str, str] = {
    "EG8145V5": "huawei-EG8145V5-tr098.csv",
    "H199A": "zte-H199A-tr098.csv",
    "G-1425G-A": "nokia-G-1425G-A-tr098.csv",
    "BM632w": "huawei-BM632w-tr098.csv",
    "TR181": "tr181-generic.csv",
}

Value = str | int | bool  # xsd:dateTime values are kept as int milliseconds, like GenieACS does


@dataclass(slots=True)
class Param:
    value: Value | None  # None for objects
    type: str  # "" for objects
    writable: bool
    object: bool
    timestamp: int = 0  # ms since epoch; 0 = "as old as the device's registration"


def generate_device_id(oui: str, product_class: str, serial: str) -> str:
    """lib/util.ts L3-27 @v1.2.16: `OUI-ProductClass-Serial` (or `OUI-Serial` without a product class), each part
    with every character outside [A-Za-z0-9_] replaced by its UTF-8 bytes as `%XX` (upper-case hex)."""

    def esc(s: str) -> str:
        return re.sub(
            r"[^A-Za-z0-9_]",
            lambda m: "".join(f"%{b:X}" for b in m.group(0).encode("utf-8")),
            s,
        )

    if product_class:
        return f"{esc(oui)}-{esc(product_class)}-{esc(serial)}"
    return f"{esc(oui)}-{esc(serial)}"


# --- values -----------------------------------------------------------------------------------------------


def js_string(v: Any) -> str:
    """JavaScript's `"" + v` for JSON scalars (what lib/device.ts L60 does for string types)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e21:
            return str(int(v))
        return repr(v)
    return str(v)


def parse_bool(v: Any) -> bool | None:
    """lib/device.ts L18-24 @v1.2.16."""
    s = js_string(v)
    if s in ("true", "TRUE", "True", "1"):
        return True
    if s in ("false", "FALSE", "False", "0"):
        return False
    return None


_PARSE_INT = re.compile(r"^\s*([+-]?\d+)")


def js_parse_int(v: Any) -> int | None:
    """JavaScript's parseInt(x) (base 10): leading integer prefix, else NaN (None)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else int(v)
    m = _PARSE_INT.match(str(v))
    return int(m.group(1)) if m else None


def parse_date_ms(s: str) -> int | None:
    """Date.parse for the ISO-8601 forms clients use (and "YYYY-MM-DD HH:MM:SS +0000", the api-reference form)."""
    txt = s.strip()
    if not txt:
        return None
    cand = txt.replace("Z", "+00:00")
    cand = re.sub(r" ([+-]\d{2}):?(\d{2})$", r"\1:\2", cand)
    try:
        d = dt.datetime.fromisoformat(cand)
    except ValueError:
        return None
    if d.tzinfo is None:
        d = d.replace(tzinfo=dt.UTC)
    return int(d.timestamp() * 1000)


def base_type(t: str) -> str:
    return t.lower()


def sanitize_parameter_value(value: Any, xsd_type: str) -> Value:
    """lib/device.ts L26-66 @v1.2.16 (sanitizeParameterValue): coerce a task value to the stored type."""
    t = base_type(xsd_type)
    if t == "xsd:boolean":
        if isinstance(value, bool):
            return value
        b = parse_bool(value)
        return js_string(value) if b is None else b
    if t in ("xsd:int", "xsd:unsignedint"):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float):
            return int(value) if value.is_integer() else value  # type: ignore[return-value]
        i = js_parse_int(value)
        return js_string(value) if i is None else i
    if t == "xsd:datetime":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        s = js_string(value)
        try:
            return int(float(s)) if s.strip() else parse_date_ms(s) or s
        except ValueError:
            ms = parse_date_ms(s)
            return s if ms is None else ms
    return js_string(value)


def from_csv(raw: str, xsd_type: str) -> Value:
    t = base_type(xsd_type)
    if t == "xsd:boolean":
        b = parse_bool(raw)
        return raw if b is None else b
    if t in ("xsd:int", "xsd:unsignedint", "xsd:unsignedlong", "xsd:long"):
        i = js_parse_int(raw)
        return raw if i is None else i
    if t == "xsd:datetime":
        ms = parse_date_ms(raw)
        return raw if ms is None else ms
    return raw


def to_json_value(v: Value | None, xsd_type: str) -> Any:
    """Document form of a value: xsd:dateTime as an ISO date (lib/cwmp/db.ts L402-408 @v1.2.16 stores a Date)."""
    if base_type(xsd_type) == "xsd:datetime" and isinstance(v, int) and not isinstance(v, bool):
        return iso_ms(v)
    return v


def iso_ms(ms: int) -> str:
    d = dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


# --- the emulated CPE's own value checks (not GenieACS) --------------------------------------------------

_INT_RANGES = {
    "xsd:int": (-(2**31), 2**31 - 1),
    "xsd:unsignedint": (0, 2**32 - 1),
    "xsd:long": (-(2**63), 2**63 - 1),
    "xsd:unsignedlong": (0, 2**64 - 1),
}

_WPA_HEX = re.compile(r"^[0-9A-Fa-f]{64}$")


def _passphrase_ok(v: Value) -> bool:
    s = str(v)
    return (8 <= len(s) <= 63 and all(32 <= ord(c) <= 126 for c in s)) or bool(_WPA_HEX.match(s))


# (regex on the path, check) -- TR-098 1.8 / TR-181 2.17 definitions (shared/reference/tr069-genieacs-and-snmp.md A2)
_CONSTRAINTS: list[tuple[re.Pattern[str], Any]] = [
    # SSID: string(32) in both models
    (re.compile(r"(WLANConfiguration\.\d+|WiFi\.SSID\.\d+)\.SSID$"), lambda v: 1 <= len(str(v).encode()) <= 32),
    # KeyPassphrase: string(63) / 8-63 printable or 64 hex in practice
    (re.compile(r"\.KeyPassphrase$"), _passphrase_ok),
    # DiagnosticsState: the ACS may only write "Requested" (TR-098 / TR-181 text; TR-181 adds "Canceled")
    (re.compile(r"Diagnostics(\.[A-Za-z]+)?\.DiagnosticsState$|Diagnostics\.(IPPing|TraceRoute)\.DiagnosticsState$"),
     lambda v: v in ("Requested", "Canceled")),
    (re.compile(r"WiFi\.AccessPoint\.\d+\.Security\.ModeEnabled$"),
     lambda v: v in {"None", "WEP-64", "WEP-128", "WPA-Personal", "WPA2-Personal", "WPA3-Personal",
                     "WPA-WPA2-Personal", "WPA3-Personal-Transition", "WPA-Enterprise", "WPA2-Enterprise",
                     "WPA3-Enterprise", "WPA-WPA2-Enterprise", "OWE"}),
    (re.compile(r"WLANConfiguration\.\d+\.BeaconType$"),
     lambda v: v in {"None", "Basic", "WPA", "11i", "BasicandWPA", "Basicand11i", "WPAand11i", "BasicandWPAand11i"}),
    (re.compile(r"\.ConnectionTrigger$"), lambda v: v in {"OnDemand", "AlwaysOn", "Manual"}),
    (re.compile(r"VLANTermination\.\d+\.VLANID$|X_HW_VLAN$|VLANID$"), lambda v: isinstance(v, int) and 1 <= v <= 4094),
]


def cpe_value_error(path: str, value: Value, xsd_type: str) -> bool:
    """True when the emulated CPE would answer fault 9007 (Invalid parameter value) for this value."""
    t = base_type(xsd_type)
    if t == "xsd:boolean" and not isinstance(value, bool):
        return True
    if t in _INT_RANGES:
        if isinstance(value, bool) or not isinstance(value, int):
            return True
        lo, hi = _INT_RANGES[t]
        if not lo <= value <= hi:
            return True
    if t == "xsd:datetime" and not (isinstance(value, int) and not isinstance(value, bool)):
        return True
    for rx, ok in _CONSTRAINTS:
        if rx.search(path):
            try:
                if not ok(value):
                    return True
            except Exception:
                return True
    return False


# --- trees -------------------------------------------------------------------------------------------------


class ModelTree:
    """One parsed CSV, shared (read-only) by every device of the model."""

    def __init__(self, name: str, params: dict[str, Param]) -> None:
        self.name = name
        self.params = params
        self.keys = sorted(params)
        self.root = "Device" if "Device" in params or any(k.startswith("Device.") for k in self.keys[:5]) else (
            "InternetGatewayDevice"
        )
        self.device_id: dict[str, str] = {}

    def prefix_keys(self, prefix: str) -> list[str]:
        """Keys equal to `prefix` or below it (`prefix` without trailing dot; "" = all)."""
        if not prefix:
            return self.keys
        lo = bisect.bisect_left(self.keys, prefix)
        out: list[str] = []
        dotted = prefix + "."
        for k in self.keys[lo:]:
            if not k.startswith(prefix):
                break  # sorted: every key starting with `prefix` is contiguous from `lo`
            if k == prefix or k.startswith(dotted):
                out.append(k)
        return out


_MODEL_CACHE: dict[str, ModelTree] = {}


def load_csv(path: Path, name: str | None = None) -> ModelTree:
    params: dict[str, Param] = {}
    device_id: dict[str, str] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        lines = (ln for ln in fh if not ln.startswith("#"))
        for row in csv.DictReader(lines):
            p = (row.get("Parameter") or "").strip().rstrip(".")
            if not p:
                continue
            root = p.split(".", 1)[0]
            if root == "DeviceID":
                device_id[p.split(".", 1)[1] if "." in p else p] = row.get("Value") or ""
                continue
            if root in ("Events", "Tags", "Downloads", "VirtualParameters", "Reboot", "FactoryReset"):
                continue  # GenieACS-internal roots, not part of the CPE's tree
            is_obj = (row.get("Object") or "").strip().lower() == "true"
            writable = (row.get("Writable") or "").strip().lower() == "true"
            if is_obj:
                params[p] = Param(None, "", writable, True)
            else:
                t = (row.get("Value type") or "").strip() or "xsd:string"
                params[p] = Param(from_csv(row.get("Value") or "", t), t, writable, False)
    # make sure every ancestor object exists
    for p in list(params):
        parts = p.split(".")
        for i in range(1, len(parts)):
            a = ".".join(parts[:i])
            if a not in params:
                params[a] = Param(None, "", False, True)
    tree = ModelTree(name or path.stem, params)
    tree.device_id = device_id
    return tree


def get_model(name: str) -> ModelTree:
    """The shared tree of a model (a key of MODELS, or a path to a CSV file); parsed once."""
    tree = _MODEL_CACHE.get(name)
    if tree is None:
        path = TREES_DIR / MODELS[name] if name in MODELS else Path(name)
        tree = load_csv(path, name)
        _MODEL_CACHE[name] = tree
    return tree


class Store:
    """A device's parameters: copy-on-write over a shared ModelTree (`None` in `over` = deleted)."""

    __slots__ = ("base", "over")

    def __init__(self, base: ModelTree) -> None:
        self.base = base
        self.over: dict[str, Param | None] = {}

    def get(self, path: str) -> Param | None:
        if path in self.over:
            return self.over[path]
        return self.base.params.get(path)

    def __contains__(self, path: str) -> bool:
        return self.get(path) is not None

    def set(self, path: str, param: Param) -> None:
        self.over[path] = param

    def set_value(self, path: str, value: Value, ts: int) -> None:
        cur = self.get(path)
        if cur is None:
            return
        self.over[path] = replace(cur, value=value, timestamp=ts)

    def delete_subtree(self, path: str) -> None:
        for k in list(self.iter_prefix(path)):
            self.over[k] = None

    def iter_prefix(self, prefix: str) -> Iterator[str]:
        """Existing paths at or below `prefix`, base order first, then added ones."""
        over = self.over
        for k in self.base.prefix_keys(prefix):
            if k in over and over[k] is None:
                continue
            yield k
        dotted = prefix + "." if prefix else ""
        for k, v in over.items():
            if v is not None and k not in self.base.params and (not prefix or k == prefix or k.startswith(dotted)):
                yield k

    def copy(self) -> Store:
        s = Store(self.base)
        s.over = dict(self.over)
        return s

    def children(self, obj: str) -> list[str]:
        """Direct child names of an object."""
        depth = obj.count(".") + 1 if obj else 0
        return [k for k in self.iter_prefix(obj) if k.count(".") == depth]


def wildcard_match(pattern: str, store: Store) -> list[str]:
    """Expand `*` segments of a path against a store (GenieACS Path wildcards, lib/common/path.ts)."""
    if "*" not in pattern:
        return [pattern] if pattern in store else []
    head = pattern.split(".*", 1)[0].split("*", 1)[0].rstrip(".")
    rx = re.compile("^" + re.escape(pattern).replace(r"\*", r"[^.]+") + "$")
    return [k for k in store.iter_prefix(head) if rx.match(k)]

"""Tasks for GenieACS's NBI: typed builders and a local mirror of its `sanitizeTask`.

GenieACS validates a task in `sanitizeTask` (lib/api-functions.ts L252-354 at v1.2.16)
only *after* the NBI has started answering, and `insertTasks` is awaited with no catch in
lib/nbi.ts (L292, L327, L344): a task it rejects throws, the rejection becomes an
uncaught exception and the NBI worker dies (bin/genieacs-nbi.ts, lib/cluster.ts).
Tasks it accepts can still fail later, inside the device's session, when the declarative
provision a task becomes (lib/cwmp.ts L681-748) cannot parse its path (lib/common/path.ts
L176-189) or arguments (lib/default-provisions.ts). So every task ponstack sends is
checked here first, against both layers, and refused with `InvalidTask` saying why.

Where this is stricter than GenieACS it says so ("policy"): a rule GenieACS does not
have but that keeps a task from doing something an intent never means (a wildcard write,
a delete of every instance of a table).

Line numbers refer to genieacs/genieacs at tag v1.2.16.
"""

from __future__ import annotations

import math
import re
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from core.errors import Invalid

#: lib/config.ts L72: GPV/SPV are sent in RPCs of at most this many parameters. A task with
#: more becomes several non-atomic RPCs, so we cap a task at one RPC (policy).
GPV_BATCH_SIZE = 32
#: lib/config.ts L73: `refresh` pads/truncates a path to this many segments
#: (lib/default-provisions.ts L43-49); a deeper path silently refreshes nothing.
MAX_DEPTH = 16
#: The largest integer a JavaScript number holds exactly (the NBI parses JSON in Node).
MAX_SAFE_INTEGER = 2**53 - 1
#: TR-069 (Amendment 6) A.3.2.8 Download FileType values; vendor types start with "X ".
FILE_TYPES = frozenset({
    "1 Firmware Upgrade Image",
    "2 Web Content",
    "3 Vendor Configuration File",
    "4 Tone File",
    "5 Ringer File",
})
FIRMWARE = "1 Firmware Upgrade Image"
#: The data-model roots (TR-098, TR-181) and GenieACS's virtual parameters. GenieACS also
#: exposes its own roots (`Reboot`, `FactoryReset`, `Downloads`, `Tags`, `DeviceID`,
#: `Events`; lib/default-provisions.ts L121, L140, L159, L193); writing them is not a
#: parameter write, so ponstack never names them in a path (policy).
ROOTS = frozenset({"InternetGatewayDevice", "Device", "VirtualParameters"})
#: Task names GenieACS knows (lib/api-functions.ts L273-351); anything else throws
#: "Invalid task name".
TASK_NAMES = frozenset({
    "getParameterValues", "setParameterValues", "refreshObject", "addObject", "deleteObject",
    "reboot", "factoryReset", "download", "provisions",
})
#: The `xsd:` types CWMP knows (TR-069 A.2.1). GenieACS drops the type of a task anyway
#: (lib/cwmp.ts L695-699 keeps only path and value; the device's stored type is sent).
XSD_TYPES = frozenset({
    "xsd:string", "xsd:int", "xsd:unsignedInt", "xsd:long", "xsd:unsignedLong", "xsd:boolean",
    "xsd:dateTime", "xsd:base64", "xsd:hexBinary",
})
#: Substrings of a parameter name whose value is a secret (redacted for display).
SECRET_MARKERS = ("Password", "Passphrase", "KeyPassphrase", "PreSharedKey")
REDACTED = "***"

_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")  # legalChar, lib/common/path.ts L22-30
_UNIQUE_KEY = re.compile(r"[!-~]{1,128}")  # printable ASCII, no space (policy)
_MAX_STRING = 65535  # policy: far above any TR-069 string parameter (most are <= 256)
# What XML 1.0 cannot carry (the value goes into the SOAP body); lone surrogates cannot be
# encoded as UTF-8 at all.
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_COMMON_KEYS = frozenset({"name", "expiry", "uniqueKey"})
_KEYS: dict[str, frozenset[str]] = {
    "getParameterValues": frozenset({"parameterNames"}),
    "setParameterValues": frozenset({"parameterValues"}),
    "refreshObject": frozenset({"objectName"}),
    "addObject": frozenset({"objectName", "parameterValues"}),
    "deleteObject": frozenset({"objectName"}),
    "reboot": frozenset(),
    "factoryReset": frozenset(),
    "download": frozenset({"file", "fileType", "fileName", "targetFileName"}),
    "provisions": frozenset({"provisions"}),
}

Value = str | bool | int | float
Task = dict[str, Any]
Expiry = int | timedelta | datetime | None


class InvalidTask(Invalid):
    """A task GenieACS would reject, crash on, or run differently from what was meant."""


# --- device ids ---------------------------------------------------------------------------


_REPLACEMENT = "\ufffd".encode()  # what Node's Buffer.from makes of a lone surrogate


def _esc(part: str) -> str:
    """lib/util.ts L6-14: every char outside [A-Za-z0-9_] becomes %XX per UTF-8 byte.

    Mirrors two JavaScript details: the hex is *not* zero-padded (`b.toString(16)`, so
    "\\n" -> "%A"), and the regex runs over UTF-16 code units, so each half of a character
    beyond U+FFFF is a lone surrogate that Buffer.from encodes as U+FFFD (EF BF BD).
    """
    out: list[str] = []
    for ch in part:
        if ch.isascii() and (ch.isalnum() or ch == "_"):
            out.append(ch)
            continue
        if ord(ch) > 0xFFFF:
            data = _REPLACEMENT * 2  # two UTF-16 code units, each a lone surrogate
        elif 0xD800 <= ord(ch) <= 0xDFFF:
            data = _REPLACEMENT
        else:
            data = ch.encode("utf-8")
        out.append("".join(f"%{b:X}" for b in data))
    return "".join(out)


def device_id(oui: str, product_class: str | None, serial: str) -> str:
    """GenieACS's device `_id` (lib/util.ts L3-27): `OUI-ProductClass-Serial`, escaped part by
    part; the product class is left out when it is empty (L17)."""
    if product_class:
        return f"{_esc(oui)}-{_esc(product_class)}-{_esc(serial)}"
    return f"{_esc(oui)}-{_esc(serial)}"


def device_path(dev_id: str) -> str:
    """The id as one URL path segment. The id already holds `%` (from `device_id`); the NBI
    calls decodeURIComponent once on the segment (lib/nbi.ts L260-262), so it must be
    encoded again: `%2D` -> `%252D` (docs/api-reference.rst L364)."""
    return urllib.parse.quote(dev_id, safe="")


# --- paths ----------------------------------------------------------------------------------


def check_path(path: Any, *, what: str = "path", wildcards: bool = False, empty: bool = False,
               relative: bool = False, max_depth: int = MAX_DEPTH) -> str:
    """A parameter/object path as GenieACS parses it (lib/common/path.ts L118-189).

    Segments are [A-Za-z0-9_-]+ or exactly `*`; an empty segment (`a..b`, a leading dot or
    the trailing dot CWMP object names carry) stops the parser and `Path.parse` throws
    "Invalid parameter path" (L182) inside the session. Alias segments (`[k:v]`) are
    GenieACS's own and never sent by ponstack (policy).
    """
    if not isinstance(path, str):
        raise InvalidTask(f"{what} must be a string, not {type(path).__name__}")
    if path == "":
        if empty:
            return path  # refreshObject "" = the whole tree (lib/api-functions.ts L292-295)
        raise InvalidTask(f"{what} is empty")  # lib/api-functions.ts L278, L298
    segments = path.split(".")
    if len(segments) > max_depth:
        raise InvalidTask(f"{what} {path!r} has {len(segments)} segments, more than GenieACS's "
                          f"MAX_DEPTH {max_depth} (lib/config.ts L73)")
    for index, segment in enumerate(segments):
        if segment == "":
            where = "a trailing dot" if index == len(segments) - 1 else "an empty segment"
            raise InvalidTask(f"{what} {path!r} has {where}; GenieACS paths do not end in '.' and "
                              f"have no empty segments (lib/common/path.ts L136-143, L182)")
        if segment == "*":
            if not wildcards:
                raise InvalidTask(f"{what} {path!r} holds a '*' wildcard, which would act on every "
                                  f"instance; name the instance")
            continue
        if not _SEGMENT.fullmatch(segment):
            raise InvalidTask(f"{what} {path!r}: segment {segment!r} may only hold A-Z a-z 0-9 _ - "
                              f"(lib/common/path.ts L22-30)")
    if not relative and segments[0] not in ROOTS:
        raise InvalidTask(f"{what} {path!r} must start with one of {', '.join(sorted(ROOTS))}")
    return path


def is_secret_path(path: str) -> bool:
    return any(marker in path for marker in SECRET_MARKERS)


# --- values -----------------------------------------------------------------------------------


def check_value(value: Any, *, what: str = "value", secret: bool = False) -> Value:
    """A parameter value: a JSON string, boolean or number (lib/api-functions.ts L260-271),
    that survives the trip through JavaScript and the SOAP body."""
    shown = REDACTED if secret else value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise InvalidTask(f"{what} {shown} is beyond 2^53-1, which a JavaScript number cannot hold exactly")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidTask(f"{what} {shown} is not a finite number (JSON has no NaN/Infinity)")
        return value
    if isinstance(value, str):
        if len(value) > _MAX_STRING:
            raise InvalidTask(f"{what} is {len(value)} characters long, more than {_MAX_STRING}")
        bad = _BAD_CHARS.search(value)
        if bad:
            raise InvalidTask(f"{what} holds character U+{ord(bad.group()):04X}, which the SOAP (XML) "
                              f"body cannot carry")
        return value
    raise InvalidTask(f"{what} must be a string, boolean or number, not {type(value).__name__} "
                      f"(lib/api-functions.ts L266)")


def _check_pairs(entries: Any, *, what: str, max_parameters: int, max_depth: int,
                 relative: bool = False, allow_type: bool = True) -> list[list[Any]]:
    if not isinstance(entries, list | tuple):
        raise InvalidTask(f"{what} must be a list of [path, value] pairs (lib/api-functions.ts L284, L304)")
    if len(entries) > max_parameters:
        raise InvalidTask(f"{what} has {len(entries)} parameters, more than {max_parameters}: GenieACS "
                          f"would split them into several non-atomic RPCs (GPV_BATCH_SIZE, lib/config.ts L72)")
    seen: set[str] = set()
    out: list[list[Any]] = []
    for entry in entries:
        if not isinstance(entry, list | tuple) or len(entry) not in (2, 3):
            raise InvalidTask(f"{what}: each entry is [path, value] or [path, value, type] "
                              f"(lib/api-functions.ts L260-271)")
        path = check_path(entry[0], what="parameter", max_depth=max_depth, relative=relative)
        value = check_value(entry[1], what=f"value of {path}", secret=is_secret_path(path))
        if path in seen:
            raise InvalidTask(f"{what} names {path} twice")
        seen.add(path)
        pair: list[Any] = [path, value]
        if len(entry) == 3 and entry[2] is not None:
            if not allow_type:
                raise InvalidTask(f"{what}: a type is not allowed here ({path})")
            if entry[2] not in XSD_TYPES:
                raise InvalidTask(f"type of {path} must be one of {', '.join(sorted(XSD_TYPES))}")
            pair.append(entry[2])  # accepted, but GenieACS sends the device's type (lib/cwmp.ts L695-699)
        out.append(pair)
    return out


def _check_expiry(expiry: Any) -> Any:
    """lib/api-functions.ts L253-258: a number is seconds after the task's timestamp, anything
    else goes through `new Date(...)`. An unparsable string becomes an Invalid Date; a
    boolean is a number to `isNaN`; 0 and "" are falsy and mean no expiry at all."""
    if isinstance(expiry, bool) or not isinstance(expiry, int | float | str):
        raise InvalidTask("expiry must be a number of seconds or an ISO 8601 date with a time zone")
    if isinstance(expiry, int | float):
        if not math.isfinite(expiry) or expiry <= 0:
            raise InvalidTask(f"expiry {expiry} must be a positive number of seconds")
        return expiry
    try:
        parsed = datetime.fromisoformat(expiry)
    except ValueError:
        raise InvalidTask(f"expiry {expiry!r} is not an ISO 8601 date") from None
    if parsed.tzinfo is None:
        raise InvalidTask(f"expiry {expiry!r} has no time zone (GenieACS would read it in its own)")
    return expiry


def _check_unique_key(key: Any) -> str:
    """lib/api-functions.ts L362-367: `uniqueKey` goes straight into a MongoDB deleteOne
    filter; an object there (`{"$ne": null}`) would delete another task of the device."""
    if not isinstance(key, str) or not _UNIQUE_KEY.fullmatch(key):
        raise InvalidTask("uniqueKey must be 1-128 printable ASCII characters without spaces")
    return key


def _check_alias_value(path: str, value: Value) -> None:
    """addObject turns its parameterValues into an alias `[k:<JSON value>,...]` (lib/cwmp.ts
    L718-724) that Path.parseAliasValue reads back (lib/common/path.ts L39-69): a closing
    quote preceded by a backslash is taken as escaped, so a value with a backslash can end
    up unparsable ("Invalid parameter path"). An unquoted number/boolean is read up to
    `,` or `]`, which JSON numbers never contain."""
    if isinstance(value, str) and "\\" in value:
        raise InvalidTask(f"addObject value of {path} holds a backslash, which GenieACS's alias "
                          f"parser cannot read back (lib/common/path.ts L45-58)")


def validate_task(task: Mapping[str, Any], *, max_parameters: int = GPV_BATCH_SIZE,
                  max_depth: int = MAX_DEPTH) -> Task:
    """Check a task against GenieACS's `sanitizeTask` and the session's provisions; return a
    clean copy (only the keys GenieACS reads) or raise `InvalidTask` saying why."""
    if not isinstance(task, Mapping):
        raise InvalidTask("a task is a JSON object")
    name = task.get("name")
    if name not in TASK_NAMES:
        raise InvalidTask(f"task name {name!r} is not one of {', '.join(sorted(TASK_NAMES))} "
                          f"(lib/api-functions.ts L349-350 'Invalid task name')")
    allowed = _COMMON_KEYS | _KEYS[name]
    for key in task:
        if key in ("_id", "device", "timestamp"):
            # nbi.ts L269 overwrites `device`; a given `_id` is inserted as is and later read
            # with `new ObjectId(...)` (nbi.ts L428), which throws for a non-ObjectId.
            raise InvalidTask(f"{key!r} is set by GenieACS, not by the client")
        if key not in allowed:
            raise InvalidTask(f"{name} takes no {key!r} (it takes {', '.join(sorted(allowed - {'name'}))})")
    clean: Task = {"name": name}
    check = _CHECKS[name]
    clean.update(check(task, max_parameters, max_depth))
    if task.get("expiry") is not None:
        clean["expiry"] = _check_expiry(task["expiry"])
    if task.get("uniqueKey") is not None:
        clean["uniqueKey"] = _check_unique_key(task["uniqueKey"])
    return clean


def _gpv(task: Mapping[str, Any], max_parameters: int, max_depth: int) -> Task:
    names = task.get("parameterNames")
    if not isinstance(names, list | tuple) or not names:
        raise InvalidTask("getParameterValues needs a non-empty 'parameterNames' list (lib/api-functions.ts L275-276)")
    if len(names) > max_parameters:
        raise InvalidTask(f"getParameterValues names {len(names)} parameters, more than {max_parameters} "
                          f"(GPV_BATCH_SIZE, lib/config.ts L72)")
    checked = [check_path(p, what="parameter name", wildcards=True, max_depth=max_depth) for p in names]
    if len(set(checked)) != len(checked):
        raise InvalidTask("getParameterValues names a parameter twice")
    return {"parameterNames": checked}


def _spv(task: Mapping[str, Any], max_parameters: int, max_depth: int) -> Task:
    values = task.get("parameterValues")
    if not isinstance(values, list | tuple) or not values:
        raise InvalidTask("setParameterValues needs a non-empty 'parameterValues' list (lib/api-functions.ts L284-285)")
    return {"parameterValues": _check_pairs(values, what="setParameterValues", max_parameters=max_parameters,
                                            max_depth=max_depth)}


def _refresh(task: Mapping[str, Any], max_parameters: int, max_depth: int) -> Task:
    # "" is allowed: the whole tree (lib/api-functions.ts L292-295, docs/api-reference.rst L125).
    return {"objectName": check_path(task.get("objectName"), what="objectName", wildcards=True, empty=True,
                                     max_depth=max_depth)}


def _add(task: Mapping[str, Any], max_parameters: int, max_depth: int) -> Task:
    name = check_path(task.get("objectName"), what="objectName", max_depth=max_depth)
    if name.rsplit(".", 1)[-1].isdigit():
        raise InvalidTask(f"addObject takes a table ({name} names an instance)")
    out: Task = {"objectName": name}
    values = task.get("parameterValues")
    if values is not None:
        pairs = _check_pairs(values, what="addObject parameterValues", max_parameters=max_parameters,
                             max_depth=max_depth - len(name.split(".")) - 1, relative=True, allow_type=False)
        for path, value in pairs:
            _check_alias_value(path, value)
        out["parameterValues"] = pairs
    return out


def _delete(task: Mapping[str, Any], max_parameters: int, max_depth: int) -> Task:
    name = check_path(task.get("objectName"), what="objectName", max_depth=max_depth)
    # lib/cwmp.ts L726-729: deleteObject becomes `instances <objectName> 0`; on a table path
    # that sets the instance count to 0, i.e. deletes *every* instance (policy: refuse).
    if not name.rsplit(".", 1)[-1].isdigit():
        raise InvalidTask(f"deleteObject takes one instance ending in its number; {name} is a table "
                          f"and GenieACS would delete all its instances (lib/cwmp.ts L726-729)")
    return {"objectName": name}


def _nothing(task: Mapping[str, Any], max_parameters: int, max_depth: int) -> Task:
    return {}  # reboot / factoryReset take no arguments (lib/api-functions.ts L343-347)


def _download_field(task: Mapping[str, Any], key: str) -> str:
    value = task.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidTask(f"download needs a non-empty {key!r} (lib/api-functions.ts L315-321)")
    if "\\" in value or _BAD_CHARS.search(value):
        raise InvalidTask(f"download {key!r} holds a backslash or control character, which the "
                          f"Downloads alias cannot carry (lib/default-provisions.ts L186-193)")
    return value


def _download(task: Mapping[str, Any], max_parameters: int, max_depth: int) -> Task:
    out: Task = {}
    if task.get("file") is not None:
        # The GUI's form: the file's id, resolved to fileType/fileName when the session
        # loads the task (lib/cwmp/db.ts L648-663). If the file is gone by then, both stay
        # undefined and the `download` provision throws (lib/default-provisions.ts L175-184),
        # so ponstack sends fileType + fileName itself (see `download`).
        out["file"] = _download_field(task, "file")
    if "file" not in out or task.get("fileType") is not None or task.get("fileName") is not None:
        file_type = _download_field(task, "fileType")
        if file_type not in FILE_TYPES and not file_type.startswith("X "):
            raise InvalidTask(f"download fileType {file_type!r} is not a TR-069 file type "
                              f"({', '.join(sorted(FILE_TYPES))} or 'X <OUI> <name>')")
        out["fileType"] = file_type
        out["fileName"] = _download_field(task, "fileName")
    if task.get("targetFileName") is not None:  # lib/api-functions.ts L323-327
        out["targetFileName"] = _download_field(task, "targetFileName")
    return out


def _provisions(task: Mapping[str, Any], max_parameters: int, max_depth: int) -> Task:
    # lib/api-functions.ts L330-340 calls `arr.every` on each element: a non-array element
    # throws a TypeError in the NBI itself. The first element names the provision.
    provisions = task.get("provisions")
    if not isinstance(provisions, list | tuple) or not provisions:
        raise InvalidTask("provisions needs a non-empty list of [name, args...] lists")
    out: list[list[Any]] = []
    for entry in provisions:
        if not isinstance(entry, list | tuple) or not entry or not isinstance(entry[0], str) or not entry[0]:
            raise InvalidTask("each provision is a list whose first element is the provision's name")
        args = [a if a is None else check_value(a, what=f"argument of {entry[0]}") for a in entry[1:]]
        out.append([entry[0], *args])
    return {"provisions": out}


_CHECKS = {
    "getParameterValues": _gpv,
    "setParameterValues": _spv,
    "refreshObject": _refresh,
    "addObject": _add,
    "deleteObject": _delete,
    "reboot": _nothing,
    "factoryReset": _nothing,
    "download": _download,
    "provisions": _provisions,
}


# --- builders ---------------------------------------------------------------------------------


def _common(task: Task, unique_key: str | None, expiry: Expiry) -> Task:
    if unique_key is not None:
        task["uniqueKey"] = unique_key
    if isinstance(expiry, timedelta):
        task["expiry"] = max(1, math.ceil(expiry.total_seconds()))
    elif isinstance(expiry, datetime):
        if expiry.tzinfo is None:
            raise InvalidTask("expiry must be an aware datetime")
        # `new Date(...)` parses ISO 8601 with an offset (lib/api-functions.ts L255-256).
        task["expiry"] = expiry.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    elif expiry is not None:
        task["expiry"] = expiry
    return validate_task(task)


def get_parameter_values(paths: Iterable[str], *, unique_key: str | None = None, expiry: Expiry = None) -> Task:
    return _common({"name": "getParameterValues", "parameterNames": list(paths)}, unique_key, expiry)


def set_parameter_values(values: Mapping[str, Value] | Sequence[tuple[str, Value]], *,
                         unique_key: str | None = None, expiry: Expiry = None) -> Task:
    """No `xsd:` type is sent: GenieACS would drop it (lib/cwmp.ts L695-699)."""
    pairs = values.items() if isinstance(values, Mapping) else values
    return _common({"name": "setParameterValues", "parameterValues": [[p, v] for p, v in pairs]},
                   unique_key, expiry)


def refresh_object(object_name: str, *, unique_key: str | None = None, expiry: Expiry = None) -> Task:
    return _common({"name": "refreshObject", "objectName": object_name}, unique_key, expiry)


def add_object(object_name: str, parameter_values: Mapping[str, Value] | None = None, *,
               unique_key: str | None = None, expiry: Expiry = None) -> Task:
    """`parameter_values` (relative names) become alias keys of the new instance (lib/cwmp.ts
    L718-724); the NBI never says which instance number was created."""
    task: Task = {"name": "addObject", "objectName": object_name}
    if parameter_values:
        task["parameterValues"] = [[p, v] for p, v in parameter_values.items()]
    return _common(task, unique_key, expiry)


def delete_object(object_name: str, *, unique_key: str | None = None, expiry: Expiry = None) -> Task:
    return _common({"name": "deleteObject", "objectName": object_name}, unique_key, expiry)


def reboot(*, unique_key: str | None = None, expiry: Expiry = None) -> Task:
    return _common({"name": "reboot"}, unique_key, expiry)


def factory_reset(*, unique_key: str | None = None, expiry: Expiry = None) -> Task:
    return _common({"name": "factoryReset"}, unique_key, expiry)


def download(file_name: str, *, file_type: str = FIRMWARE, target_file_name: str | None = None,
             unique_key: str | None = None, expiry: Expiry = None) -> Task:
    """`file_name` is the name the file was stored under (`PUT /files/<name>`)."""
    task: Task = {"name": "download", "fileType": file_type, "fileName": file_name}
    if target_file_name is not None:
        task["targetFileName"] = target_file_name
    return _common(task, unique_key, expiry)


# --- display ------------------------------------------------------------------------------------


def redacted(task: Mapping[str, Any]) -> Task:
    """A copy of a task fit for logs and screens: the values of secret parameters
    (Password, Passphrase, KeyPassphrase, PreSharedKey) and provision arguments replaced."""
    out: Task = dict(task)
    values = task.get("parameterValues")
    if isinstance(values, list | tuple):
        out["parameterValues"] = [
            [entry[0], REDACTED, *entry[2:]]
            if isinstance(entry, list | tuple) and len(entry) >= 2 and isinstance(entry[0], str)
            and is_secret_path(entry[0]) else entry
            for entry in values
        ]
    provisions = task.get("provisions")
    if isinstance(provisions, list | tuple):
        # Provision arguments are positional; nothing says which is a secret.
        out["provisions"] = [[p[0], *([REDACTED] * (len(p) - 1))] if isinstance(p, list | tuple) and p else p
                             for p in provisions]
    return out

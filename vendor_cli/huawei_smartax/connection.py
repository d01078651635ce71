"""scrapli settings for Huawei SmartAX OLTs (scrapli_community platform `huawei_smartax`)."""

from __future__ import annotations

from typing import Any

from vendor_cli.ssh import SSH_TRANSPORT

#: seconds per command; `display ont ...` on a full board can take several seconds
TIMEOUT_OPS = 60.0



def huawei_on_open(conn: Any) -> None:
    """Privileged mode, no `{ <cr>|... }:` parameter prompts, no pager, no debug output."""
    conn.acquire_priv(desired_priv=conn.default_desired_privilege_level)
    conn.send_command(command="undo smart")
    conn.send_command(command="scroll")
    conn.send_command(command="infoswitch cli OFF")


def scrapli_options(transport: str) -> dict[str, Any]:
    if transport not in ("ssh", "telnet"):
        raise ValueError(f"unsupported transport {transport!r} for huawei_smartax (ssh or telnet)")
    extras: dict[str, Any] = {
        "auth_strict_key": False,
        "timeout_socket": 15.0,
        "timeout_transport": TIMEOUT_OPS,
        "timeout_ops": TIMEOUT_OPS,
        "on_open": huawei_on_open,
    }
    if transport == "ssh":
        # Old MA5600T/MA5608T firmware (SHA-1 key exchange, ssh-rsa host keys) is reached with the
        # OLT's connection options: transport "system" with legacy_kex / legacy_host_key.
        extras["transport"] = SSH_TRANSPORT
        return {"platform": "huawei_smartax", "port": None, "extras": extras}
    extras["transport"] = "telnet"
    # Huawei asks `User name:` / `User password:` on telnet.
    extras["auth_telnet_login_pattern"] = r"^.*(user ?name|login)\s*:\s*$"
    extras["auth_password_pattern"] = r"^.*password\s*:\s*$"
    return {"platform": "huawei_smartax", "port": 23, "extras": extras}

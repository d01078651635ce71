"""The one CLI session helper: a session to one OLT through Nornir's `scrapli`
connection, with errors that say what happened on which device."""

from __future__ import annotations

from typing import Any

from nornir.core.task import Task
from scrapli.exceptions import ScrapliAuthenticationFailed, ScrapliException, ScrapliTimeout

from vendor_cli.base import CliCommandError, CommandAnswer, VendorDriver
from vendor_cli.registry import get_driver

CONNECTION = "scrapli"


class DeviceUnreachable(RuntimeError):
    """The CLI session could not be opened or broke (timeout, refused login, dropped)."""


def describe_connection_error(exc: BaseException, host: Any) -> str:
    where = f"{host.hostname}:{host.port}"
    if isinstance(exc, ScrapliAuthenticationFailed):
        return f"login to {where} refused (wrong username or password?)"
    if isinstance(exc, ScrapliTimeout):
        return f"{where} did not answer in time ({exc})"
    if isinstance(exc, ConnectionRefusedError) or "refused" in str(exc).lower():
        return f"{where} refused the connection (CLI service down or wrong port?)"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{where}: {text}"


class NornirDeviceSession:
    """Opens the host's scrapli connection on first use and reuses it for every
    command of the run (one CLI session per OLT)."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.host = task.host
        self.name: str = task.host.name
        self.driver: VendorDriver = get_driver(task.host.data["family"])
        self._open_error: str | None = None

    def _connection(self) -> Any:
        if self._open_error:
            raise DeviceUnreachable(self._open_error)
        try:
            return self.host.get_connection(CONNECTION, self.task.nornir.config)
        except (ScrapliException, OSError, EOFError) as exc:
            self._drop()
            self._open_error = describe_connection_error(exc, self.host)
            raise DeviceUnreachable(self._open_error) from exc

    def send(self, commands: list[str]) -> list[CommandAnswer]:
        conn = self._connection()
        try:
            return self.driver.send_commands(conn, commands, self.name)
        except CliCommandError:
            raise
        except (ScrapliException, OSError, EOFError) as exc:
            # A timed-out or broken session is never reused: drop it before any retry.
            self._drop()
            raise DeviceUnreachable(describe_connection_error(exc, self.host)) from exc

    def reconnect(self) -> None:
        self._drop()
        self._open_error = None
        self._connection()

    def _drop(self) -> None:
        if CONNECTION in self.host.connections:
            try:
                self.host.close_connection(CONNECTION)
            except Exception:  # closing a dead transport may fail: forget it anyway
                self.host.connections.pop(CONNECTION, None)

"""Framework for simulated OLTs: an asyncssh server per OLT, a CLI session per
connection, per-command latency and injectable faults.

A vendor simulator subclasses `SimulatedOlt` (device state shared by all
sessions) and `SimSession` (modes and prompt of one login). The server does
the line editing, paging, latency and faults, so vendor code only maps a
command line to its answer.
"""

from __future__ import annotations

import abc
import asyncio
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncssh

#: commands that only read or move between CLI modes (comparing the configuration around
#: them would cost the simulator more than the command)
_READ_OR_NAVIGATE = re.compile(
    r"^\s*(display |show |config\s*$|configure terminal|interface |pon-onu-mng |quit\s*$|return\s*$|exit\s*$"
    r"|end\s*$|enable\s*$|terminal length)"
)


def _changes_nothing(line: str) -> bool:
    return _READ_OR_NAVIGATE.match(line) is not None


@dataclass
class Faults:
    latency_s: float = 0.0  # added before every answer (real OLTs: ~0.05-0.5 s)
    refuse_login: bool = False
    drop_after_commands: int | None = None  # close the session after the Nth command of a session
    fail_commands: dict[str, str] = field(default_factory=dict)  # regex -> answer replacing the real one


class SimSession(abc.ABC):
    """One logged-in CLI session."""

    #: lines per page when paging is on (None: no paging)
    page_lines: int | None = None
    more_prompt: str = "--More--"

    def __init__(self, olt: SimulatedOlt) -> None:
        self.olt = olt
        self.closed = False

    @abc.abstractmethod
    def prompt(self) -> str: ...

    @abc.abstractmethod
    def execute(self, line: str) -> str:
        """Answer one command line (without the trailing prompt). Set self.closed to log out."""

    def confirm_prompt(self) -> str | None:
        """A pending (y/n) question to show instead of the prompt, if any."""
        return None

    def echo_input(self) -> bool:
        """Whether typed characters are echoed (False while a password is being typed)."""
        return True


class SimulatedOlt(abc.ABC):
    """The state of one simulated OLT; shared by all its sessions."""

    banner: str = ""
    #: what the device asks on a telnet login (SSH authenticates in the protocol)
    telnet_login_prompts: tuple[str, str] = ("Username:", "Password:")

    def __init__(self, name: str, username: str = "admin", password: str = "admin", faults: Faults | None = None):
        self.name = name
        self.username = username
        self.password = password
        self.faults = faults or Faults()
        self.lock = threading.RLock()  # state is touched from the server thread and by tests
        self.command_log: list[str] = []
        self.logins = 0
        #: `save` / `write` count, and whether the configuration changed since the last one
        self.saves = 0
        self.unsaved_changes = False
        #: how long a rebooted ONU stays offline before it registers again
        self.reboot_offline_s = 2.0

    @abc.abstractmethod
    def new_session(self) -> SimSession: ...

    def execute(self, session: SimSession, line: str) -> str:
        """Answer one command line of `session`; a command that changed the configuration
        leaves it unsaved (compared as data, so no handler can forget to say so)."""
        with self.lock:
            if _changes_nothing(line):  # most commands: skip the comparison
                return session.execute(line)
            before = self.running_config()
            answer = session.execute(line)
            if self.running_config() != before:
                self.unsaved_changes = True
            return answer

    def running_config(self) -> Any:
        """The configuration a save would persist (vendor-specific, compared before and
        after each command). Run-time state such as reboots or the fibre is not part of it."""
        return None

    def record_save(self) -> None:
        self.saves += 1
        self.unsaved_changes = False

    def reboot_deadline(self) -> float:
        """time.monotonic() value until which an ONU rebooted now stays offline."""
        return time.monotonic() + self.reboot_offline_s

    def snapshot(self) -> dict[str, Any]:
        """Device state for SNMP recordings and assertions (vendor-specific)."""
        return {}


def rebooting(offline_until: float) -> bool:
    """Whether an ONU whose reboot ends at `offline_until` (time.monotonic()) is still down."""
    return time.monotonic() < offline_until


class _SshServer(asyncssh.SSHServer):
    def __init__(self, olt: SimulatedOlt) -> None:
        self.olt = olt

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        if self.olt.faults.refuse_login:
            return False
        return username == self.olt.username and password == self.olt.password


class _LineReader:
    """Reads lines from the client, echoing characters as a terminal does
    (scrapli waits for the echo of a command before it sends the return)."""

    def __init__(self, process: asyncssh.SSHServerProcess[str]) -> None:
        self.process = process
        self.pending = ""

    async def read_line(self, echo: bool) -> str | None:
        line: list[str] = []
        while True:
            if not self.pending:
                self.pending = await self.process.stdin.read(4096)
                if self.pending == "":
                    return None
            chunk, ended = self._take_line(line)
            if echo and chunk:
                self.process.stdout.write(chunk)  # one write per chunk: echoing per key costs a packet each
            if ended:
                return "".join(line)

    def _take_line(self, line: list[str]) -> tuple[str, bool]:
        """Move characters from `pending` into `line` up to the end of a line; returns the echo text."""
        echo: list[str] = []
        while self.pending:
            ch, self.pending = self.pending[0], self.pending[1:]
            if ch in "\r\n":
                if ch == "\r" and self.pending.startswith("\n"):
                    self.pending = self.pending[1:]
                return "".join(echo), True
            if ch in "\x7f\b":
                if line:
                    line.pop()
                    echo.append("\b \b")
                continue
            line.append(ch)
            echo.append(ch)
        return "".join(echo), False

    async def read_key(self) -> str:
        if not self.pending:
            self.pending = await self.process.stdin.read(4096)
        key, self.pending = self.pending[:1], self.pending[1:]
        return key


async def _serve_session(olt: SimulatedOlt, process: asyncssh.SSHServerProcess[str]) -> None:
    session = olt.new_session()
    reader = _LineReader(process)
    olt.logins += 1
    commands_seen = 0
    try:
        if olt.banner:
            process.stdout.write(olt.banner)
        process.stdout.write(session.prompt())
        while not session.closed:
            line = await reader.read_line(session.echo_input())
            if line is None:
                break
            commands_seen += 1
            with olt.lock:
                olt.command_log.append(line)
            if olt.faults.latency_s:
                await asyncio.sleep(olt.faults.latency_s)
            if olt.faults.drop_after_commands is not None and commands_seen > olt.faults.drop_after_commands:
                break
            answer = _injected_answer(olt, line)
            if answer is None:
                answer = olt.execute(session, line)
            await _write_paged(process, reader, session, answer)
            if session.closed:
                break
            process.stdout.write(session.confirm_prompt() or session.prompt())
    except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged, BrokenPipeError, ConnectionError):
        pass
    finally:
        process.exit(0)


def _injected_answer(olt: SimulatedOlt, line: str) -> str | None:
    for pattern, answer in olt.faults.fail_commands.items():
        if re.search(pattern, line):
            return answer
    return None


async def _write_paged(
    process: asyncssh.SSHServerProcess[str], reader: _LineReader, session: SimSession, answer: str
) -> None:
    # Echo the command like a real terminal, then the answer, paging when enabled.
    lines = answer.split("\n") if answer else []
    page = session.page_lines
    if not page or len(lines) <= page:
        process.stdout.write("\n" + answer + ("\n" if answer and not answer.endswith("\n") else ""))
        return
    process.stdout.write("\n")
    for start in range(0, len(lines), page):
        process.stdout.write("\n".join(lines[start : start + page]) + "\n")
        if start + page < len(lines):
            process.stdout.write(session.more_prompt)
            key = await reader.read_key()
            # Erase the pager text the way real devices do (backspaces / CR).
            process.stdout.write("\r" + " " * len(session.more_prompt) + "\r")
            if key in ("q", "Q"):
                return


IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240


class _TelnetIO:
    """Just enough telnet for a CLI: offer echo and suppress-go-ahead, drop the
    client's option negotiation, write CRLF line ends. Looks like the asyncssh
    process object, so one session loop serves both transports."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.stdin, self.stdout = self, self
        self._in_command = 0

    def write(self, text: str) -> None:
        self.writer.write(text.replace("\r\n", "\n").replace("\n", "\r\n").encode())

    async def read(self, n: int) -> str:
        while True:
            data = await self.reader.read(n)
            if not data:
                return ""
            text = self._strip_negotiation(data)
            if text:
                return text

    def _strip_negotiation(self, data: bytes) -> str:
        out = bytearray()
        for byte in data:
            if self._in_command:
                self._in_command -= 1
                if byte in (DO, DONT, WILL, WONT):
                    self._in_command = 1
                continue
            if byte == IAC:
                self._in_command = 1
            elif byte != 0:
                out.append(byte)
        return out.decode(errors="replace")

    def exit(self, code: int) -> None:
        self.writer.close()


async def _telnet_login(olt: SimulatedOlt, io: _TelnetIO) -> bool:
    reader = _LineReader(io)  # type: ignore[arg-type]
    io.writer.write(bytes([IAC, WILL, 1, IAC, WILL, 3]))  # we echo; no go-ahead
    user_prompt, password_prompt = olt.telnet_login_prompts
    for _ in range(3):
        io.write(user_prompt)
        username = await reader.read_line(echo=True)
        io.write("\n" + password_prompt)
        password = await reader.read_line(echo=False)
        if username is None or password is None:
            return False
        io.write("\n")
        if not olt.faults.refuse_login and (username, password) == (olt.username, olt.password):
            return True
        io.write("\nAuthentication failed\n")
    return False


async def _serve_telnet(olt: SimulatedOlt, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    io = _TelnetIO(reader, writer)
    if await _telnet_login(olt, io):
        await _serve_session(olt, io)  # type: ignore[arg-type]
    else:
        writer.close()


class Lab:
    """Runs simulated OLTs as SSH (and optionally telnet) servers on 127.0.0.1 in a background thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="ponstack-lab", daemon=True)
        self.thread.start()
        self.servers: dict[str, tuple[SimulatedOlt, asyncssh.SSHAcceptor, int]] = {}
        self.telnet_servers: list[asyncio.base_events.Server] = []
        self._host_key = asyncssh.generate_private_key("ssh-ed25519")

    def _run(self, coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout=30)

    def add(self, olt: SimulatedOlt, port: int = 0, host: str = "127.0.0.1") -> int:
        """Start serving `olt`; returns the TCP port (an ephemeral one when port=0)."""

        async def start() -> tuple[asyncssh.SSHAcceptor, int]:
            acceptor = await asyncssh.create_server(
                lambda: _SshServer(olt),
                host,
                port,
                server_host_keys=[self._host_key],
                process_factory=lambda proc: _serve_session(olt, proc),
                encoding="utf-8",
                line_editor=False,
                keepalive_interval=0,
            )
            return acceptor, acceptor.sockets[0].getsockname()[1]

        acceptor, bound = self._run(start())
        self.servers[olt.name] = (olt, acceptor, bound)
        return int(bound)

    def add_telnet(self, olt: SimulatedOlt, port: int = 0, host: str = "127.0.0.1") -> int:
        """Also serve `olt` over telnet; returns the TCP port."""

        async def start() -> asyncio.base_events.Server:
            return await asyncio.start_server(lambda r, w: _serve_telnet(olt, r, w), host, port)

        server = self._run(start())
        self.telnet_servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    def port_of(self, name: str) -> int:
        return self.servers[name][2]

    def olt(self, name: str) -> SimulatedOlt:
        return self.servers[name][0]

    def close(self) -> None:
        async def stop() -> None:
            for _, acceptor, _ in self.servers.values():
                acceptor.close()
                await acceptor.wait_closed()
            for server in self.telnet_servers:
                server.close()

        self._run(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


@contextmanager
def running_lab() -> Iterator[Lab]:
    lab = Lab()
    try:
        yield lab
    finally:
        lab.close()

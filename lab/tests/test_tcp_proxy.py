"""lab.tcp_proxy.TcpProxy against a real echo server and a real PostgreSQL."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from lab.tcp_proxy import TcpProxy


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(4096):
            self.request.sendall(data)


class _TcpEcho(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _UnixEcho(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


def _serving(server: socketserver.BaseServer) -> Iterator[socketserver.BaseServer]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def tcp_echo() -> Iterator[tuple[str, int]]:
    for server in _serving(_TcpEcho(("127.0.0.1", 0), _Echo)):
        yield server.server_address  # type: ignore[misc]


@pytest.fixture
def unix_echo(tmp_path: Path) -> Iterator[str]:
    path = str(tmp_path / "echo.sock")
    for _ in _serving(_UnixEcho(path, _Echo)):
        yield path


def talk(port: int, payload: bytes = b"ping") -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(payload)
        return sock.recv(4096)


def refused_or_closed(sock: socket.socket) -> bool:
    """True when the connection no longer carries data (reset, closed, or a dead end)."""
    try:
        sock.sendall(b"ping")
        return sock.recv(4096) == b""
    except OSError:
        return True


def dropped_on_connect(port: int) -> bool:
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=2)
    except OSError:
        return True
    with sock:
        return refused_or_closed(sock)


@pytest.mark.parametrize("target", ["tcp_echo", "unix_echo"])
def test_forwards_then_cuts_then_forwards_again(target: str, request: pytest.FixtureRequest) -> None:
    with TcpProxy(request.getfixturevalue(target)) as proxy:
        assert proxy.port > 0 and talk(proxy.port) == b"ping"
        open_sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=2)
        open_sock.sendall(b"before")
        assert open_sock.recv(4096) == b"before"

        proxy.cut(0.6)
        cut_at = time.monotonic()
        assert refused_or_closed(open_sock), "an open connection survived the cut"
        open_sock.close()
        assert dropped_on_connect(proxy.port), "a new connection got through during the cut"

        time.sleep(max(0.0, 0.7 - (time.monotonic() - cut_at)))
        assert talk(proxy.port, b"after") == b"after"
        assert proxy.accepted == 3 and proxy.dropped == 2


def test_a_target_that_is_down_looks_like_a_reset() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    with TcpProxy(("127.0.0.1", free)) as proxy:
        assert dropped_on_connect(proxy.port)


# --- a real PostgreSQL through the proxy ------------------------------------------------------------


def proxy_target(url: str) -> Any:
    """Where the server of a libpq URL listens: a Unix socket path or (host, port)."""
    params = psycopg.conninfo.conninfo_to_dict(url)
    host, port = str(params.get("host") or "localhost"), int(params.get("port") or 5432)
    return f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host, port)


def through(url: str, proxy: TcpProxy) -> dict[str, Any]:
    params = psycopg.conninfo.conninfo_to_dict(url)
    return {**params, "host": "127.0.0.1", "port": proxy.port, "connect_timeout": 3}


def test_postgresql_connection_is_cut_and_a_new_one_works_after(pg_admin_url: str) -> None:
    with TcpProxy(proxy_target(pg_admin_url)) as proxy:
        conn = psycopg.connect(**through(pg_admin_url, proxy), autocommit=True)
        assert conn.execute("select 41 + 1").fetchone() == (42,)

        proxy.cut(1.0)
        cut_at = time.monotonic()
        with pytest.raises(psycopg.OperationalError):
            conn.execute("select 1")
        conn.close()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(**through(pg_admin_url, proxy))

        time.sleep(max(0.0, 1.1 - (time.monotonic() - cut_at)))
        with psycopg.connect(**through(pg_admin_url, proxy)) as again:
            assert again.execute("select current_database()").fetchone() == ("postgres",)

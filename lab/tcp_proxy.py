"""A TCP proxy that tests can cut, to simulate a database (or any server) outage.

`TcpProxy(target)` listens on 127.0.0.1 (an ephemeral port, `proxy.port`) and forwards
every connection to `target`: a `(host, port)` pair or the path of a Unix socket (an
embedded PostgreSQL listens on one). `cut(seconds)` closes every open connection at once,
as a crashed server or a broken network would, and drops new ones until the time is up;
then connections go through again. Like lab.base.Lab it runs an asyncio loop on its own
thread, so the test (or the code under test) keeps running while the proxy works.
"""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import Future
from typing import Any

Target = tuple[str, int] | str
Link = tuple[asyncio.StreamWriter, asyncio.StreamWriter]  # client side, target side

_CHUNK = 65536


class TcpProxy:
    def __init__(self, target: Target, host: str = "127.0.0.1") -> None:
        self.target = target
        self.accepted = 0  # connections forwarded to the target
        self.dropped = 0  # connections closed by a cut, or refused during one
        self._cut_until = 0.0  # time.monotonic() until which new connections are dropped
        self._links: set[Link] = set()
        self._handlers: set[asyncio.Task[Any]] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="ponstack-tcp-proxy", daemon=True)
        self._thread.start()
        self._server: asyncio.base_events.Server = self._run(asyncio.start_server(self._serve, host, 0))

    @property
    def port(self) -> int:
        return int(self._server.sockets[0].getsockname()[1])

    def cut(self, seconds: float) -> None:
        """Close every open connection now and drop new ones for `seconds` (returns at once)."""

        async def cut_now() -> None:
            self._cut_until = time.monotonic() + seconds
            for link in list(self._links):
                self._drop(link)

        self._run(cut_now())

    def close(self) -> None:
        async def stop() -> None:
            self._server.close()
            for link in list(self._links):
                self._drop(link)
            if self._handlers:  # let them see their aborted sockets and end
                await asyncio.wait(self._handlers, timeout=5)

        if self._loop.is_closed():
            return
        self._run(stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the loop's side ---------------------------------------------------------------
    def _run(self, coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout=30)

    def _cutting(self) -> bool:
        return time.monotonic() < self._cut_until

    async def _open_target(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if isinstance(self.target, str):
            return await asyncio.open_unix_connection(self.target)
        host, port = self.target
        return await asyncio.open_connection(host, port)

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)
        if self._cutting():
            self.dropped += 1
            client_writer.transport.abort()
            return
        try:
            target_reader, target_writer = await self._open_target()
        except OSError:
            client_writer.transport.abort()  # the client sees the target's refusal as a reset
            return
        link = (client_writer, target_writer)
        if self._cutting():  # the cut came while the target was being reached
            self.dropped += 1
            self._drop(link)
            return
        self.accepted += 1
        self._links.add(link)
        try:
            await asyncio.gather(_pipe(client_reader, target_writer), _pipe(target_reader, client_writer))
        finally:
            self._links.discard(link)

    def _drop(self, link: Link) -> None:
        # abort(), not close(): a cut connection ends at once (RST), without a polite FIN
        # that could let the client finish its request first.
        if link in self._links:
            self.dropped += 1
            self._links.discard(link)
        for writer in link:
            writer.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy one direction until it ends, then close the other side's writer."""
    try:
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()

"""Real storage APIs on loopback for integration tests: moto's S3 server, and a TCP pass-through that can be
cut to make a server unreachable while it keeps its state."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tests.helpers import free_port


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


class Process:
    """A server process on a fixed loopback port that can be stopped and started again."""

    def __init__(self, argv: list[str], port: int, env: dict[str, str] | None = None, log: Path | None = None):
        self.argv, self.port, self.env, self.log = argv, port, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        output = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 - kept by the child
        self.process = subprocess.Popen(self.argv, env={**os.environ, **(self.env or {})}, stdout=output,
                                        stderr=subprocess.STDOUT)
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def moto_server(port: int, free_actions: int, log: Path) -> Process:
    """moto's server; after `free_actions` requests it checks credentials against its own IAM."""
    return Process([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], port,
                   {"INITIAL_NO_AUTH_ACTION_COUNT": str(free_actions)}, log)


class Cuttable:
    """A loopback TCP pass-through to `upstream_port`. `cut()` closes the listener and every connection, so
    clients see the server as down (connection refused); `restore()` listens again on the same port."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, set()
            listener, self._listener = self._listener, None
        for sock in [*sockets, *([listener] if listener else [])]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets |= {client, upstream}
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        with contextlib.suppress(OSError):
            target.shutdown(socket.SHUT_WR)


ROOT = Path(__file__).parents[1]
AZURITE = ROOT / "node_modules" / ".bin" / "azurite-blob"


def azurite(port: int, location: Path, log: Path) -> Process:
    """Azurite's Blob service, keeping its data in `location` so a restart finds it again."""
    return Process([str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(location),
                    "--skipApiVersionCheck", "--silent"], port, None, log)


@contextlib.contextmanager
def cli_server(env: dict[str, str], log: Path, *args: str) -> Iterator[int]:
    """`interana-destination serve` in its own process on a free loopback port; yields the port. Output goes
    to `log`, a file: an undrained pipe would block the server's logging. Stopped with SIGINT, as by Ctrl-C."""
    port = free_port()
    with open(log, "wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "core", "serve", "--port", str(port), *args], cwd=ROOT,
                                   env={**env, "PYTHONUNBUFFERED": "1"}, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port)
        yield port
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)

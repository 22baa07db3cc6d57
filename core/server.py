"""A small HTTP server for local runs: DESIGN's HTTP API in front of any `(Request) -> Response` app."""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .body import check_size
from .errors import DomainError, LengthRequired
from .service import Request, Response, error_response, log_fields

App = Callable[[Request], Response]
log = logging.getLogger("interana_destination.server")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: App, max_body_bytes: int) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        self.app = app
        self.max_body_bytes = max_body_bytes

    def handle_error(self, request: object, client_address: object) -> None:
        # A client dropping its keep-alive connection is routine, not an error worth a traceback.
        if not isinstance(sys.exception(), ConnectionError):
            log.exception("connection from %s failed", client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall
    server_version = "interana-destination"
    sys_version = ""

    def _serve(self) -> None:
        path = self.path.split("?", 1)[0]
        try:
            response = self.server.app(Request(self.command, path, dict(self.headers.items()), self._body()))
        except DomainError as error:
            self.close_connection = True  # the body may be unread
            response = error_response(error)
        except Exception:
            log.exception("unexpected error serving %s %s", self.command, path[:200])
            self.close_connection = True
            response = Response(500, {"error": "internal error"})
        self._send(response)
        fields = log_fields(self.command, path, response)
        log.info("request handled %s", " ".join(f"{k}={v}" for k, v in fields.items()))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise LengthRequired("chunked bodies are not supported; send Content-Length")
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return b""
        try:
            length = int(length_header)
        except ValueError:
            raise LengthRequired("Content-Length is not a number") from None
        if length < 0:
            raise LengthRequired("Content-Length is negative")
        if length > self.server.max_body_bytes and length <= 4 * self.server.max_body_bytes:
            self._discard(length)  # so the client, still sending, reads our 413 instead of a reset
        check_size(length, self.server.max_body_bytes)  # before reading: core checks again what it gets
        return self.rfile.read(length)

    def _discard(self, length: int) -> None:
        while length > 0 and (chunk := self.rfile.read(min(length, 1 << 16))):
            length -= len(chunk)

    def _send(self, response: Response) -> None:
        payload = response.json()
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass  # one line per request is logged in _serve (core's log_fields), without query strings or headers


def make_server(host: str, port: int, app: App, max_body_bytes: int) -> ThreadingHTTPServer:
    """Bind (port 0 picks a free one); call `serve_forever()` on the result."""
    return _Server((host, port), app, max_body_bytes)

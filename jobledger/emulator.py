"""The local stand-in for DynamoDB and SQS: moto's server app on a loopback port.

moto applies a DynamoDB request in steps and rolls a failed transaction back by restoring a snapshot of the
whole table, so two DynamoDB requests served at once can undo each other's writes. Real DynamoDB applies each
request atomically; a lock around DynamoDB requests restores that. SQS requests stay concurrent, so long polls
do not block anyone.
"""
from __future__ import annotations

import io
import logging
import threading
from typing import Any, Callable, Iterable

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from jobledger import moto_dynamodb
from jobledger.local import without_nagle

log = logging.getLogger(__name__)
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class OneDynamoRequestAtATime:
    """WSGI middleware: DynamoDB requests (X-Amz-Target `DynamoDB_…`) run one at a time."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return self.app(environ, start_response)
        with self.lock:
            return list(self.app(environ, start_response))  # the whole body is made inside the lock


class KeepAliveHandler(MotoRequestHandler):
    """Answers with a Content-Length and keeps the client's connection open: werkzeug closes every connection,
    and a new TCP connection, server thread and 10 ms drain per DynamoDB request cost more than the request.
    Requests this cannot frame safely (chunked bodies, Expect, HEAD) get werkzeug's own handling, which closes."""

    def run_wsgi(self) -> None:
        length = self.headers.get("Content-Length", "0")
        if self.command == "HEAD" or "Transfer-Encoding" in self.headers or "Expect" in self.headers \
                or not length.isdigit():
            return super().run_wsgi()
        environ = self.make_environ()
        environ["wsgi.input"] = io.BytesIO(self.rfile.read(int(length)))
        reply: list[Any] = []
        written: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            reply[:] = [status, headers]
            return written.append

        try:
            body = b"".join([*written, *self.server.app(environ, start_response)])
        except Exception:  # the app failed outside moto's own error handling: answer 500 and close
            log.exception("emulator request failed")
            reply[:], body, self.close_connection = ["500 Internal Server Error", []], b"", True
        code, _, reason = reply[0].partition(" ")
        self.send_response(int(code), reason)
        for name, value in reply[1]:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Emulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        moto_dynamodb.install()
        app = OneDynamoRequestAtATime(DomainDispatcherApplication(create_backend_app))
        self.server = make_server(host, port, app, threaded=True, request_handler=KeepAliveHandler)
        without_nagle(self.server)
        self.thread = threading.Thread(target=self.server.serve_forever, name="emulator", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    def start(self) -> "Emulator":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)

"""The local stand-in for DynamoDB and SQS: moto's server app on a loopback port, optionally durable.

moto applies a DynamoDB request in steps (a transaction item after another), so two DynamoDB requests served at
once could see or undo each other's halves. Real DynamoDB applies each request atomically; a lock around DynamoDB
requests restores that, and gives the journal its order. SQS requests stay concurrent, so long polls block no one.
"""
from __future__ import annotations

import io
import json
import logging
import threading
from pathlib import Path
from typing import Any, Callable, Iterable

from moto.moto_server.werkzeug_app import MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from jobledger import moto_dynamodb
from jobledger.moto_responses import Dispatcher
from jobledger.datadir import DataDir, Restored
from jobledger.tcp import without_nagle

log = logging.getLogger(__name__)
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class OneDynamoRequestAtATime:
    """WSGI middleware: DynamoDB requests (X-Amz-Target `DynamoDB_…`) run one at a time. With a data dir, a write
    moto answered 200 is journaled inside the lock (in the order applied) and on disk before its answer leaves;
    a read waits for what it may have seen to be on disk too."""

    def __init__(self, app: WsgiApp, data: DataDir | None = None) -> None:
        self.app = app
        self.data = data
        self.lock = threading.Lock()
        self.broken = ""  # why the data dir can no longer be written: every DynamoDB request is refused

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            return self.app(environ, start_response)
        if self.data is None:
            with self.lock:
                return list(self.app(environ, start_response))  # the whole body is made inside the lock
        return self._durably(environ, start_response, self.data)

    def _durably(self, environ: dict[str, Any], start_response: Callable[..., Any], data: DataDir) -> list[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        answer: list[Any] = []
        with self.lock:
            if self.broken:
                return _refuse(start_response, self.broken)
            moto_dynamodb.collect()
            try:
                out = list(self.app(environ, lambda *args: answer.append(args)))
            finally:
                written = moto_dynamodb.collected()
            try:
                record = data.record(environ, body, written) if answer[0][0].startswith("200") else None
                number = data.append(record) if record is not None else None
            except OSError as exc:  # applied but not journaled: stop acknowledging anything from now on
                self.broken = f"the data dir cannot be written: {exc}"
                log.error("emulator: %s", self.broken)
                return _refuse(start_response, self.broken)
        try:
            assert data.journal is not None
            data.journal.wait_durable(number)
        except OSError as exc:
            self.broken = f"the data dir cannot be synced: {exc}"
            log.error("emulator: %s", self.broken)
            return _refuse(start_response, self.broken)
        start_response(*answer[0])
        return out


def _refuse(start_response: Callable[..., Any], why: str) -> list[bytes]:
    start_response("500 Internal Server Error", [("Content-Type", "application/x-amz-json-1.0")])
    return [json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": why}).encode()]


class KeepAliveHandler(MotoRequestHandler):
    """Answers with a Content-Length and keeps the client's connection open: werkzeug closes every connection,
    and a new TCP connection, server thread and 10 ms drain per DynamoDB request cost more than the request.
    Requests this cannot frame safely (chunked bodies, Expect, HEAD) get werkzeug's own handling, which closes."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Not logged (werkzeug's request log is off): werkzeug would format the line before dropping it."""

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
    """moto on a loopback port; with `data_dir`, restored from it by `start()` and journaled into it."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, data_dir: str | Path | None = None) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        moto_dynamodb.install()
        moto = Dispatcher(create_backend_app)
        self.data = DataDir(data_dir, moto) if data_dir is not None else None
        self.gate = OneDynamoRequestAtATime(moto, self.data)
        self.server = make_server(host, port, self.gate, threaded=True, request_handler=KeepAliveHandler)
        without_nagle(self.server)
        self.thread = threading.Thread(target=self.server.serve_forever, name="emulator", daemon=True)
        self.restored: Restored | None = None

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    def start(self, events_table: str = "") -> "Emulator":
        """Serve; with a data dir, first restore what it holds (raises DataDirUnusable if it cannot)."""
        if self.data is not None:
            self.restored = self.data.restore(events_table)
        self.thread.start()
        return self

    def compact(self) -> None:
        """With a data dir: snapshot every table now, so that a start restores without replaying the journal."""
        if self.data is not None:
            with self.gate.lock:
                self.data.compact()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
        if self.data is not None:
            with self.gate.lock:  # a kept-alive connection may still bring a request
                self.gate.broken = "the emulator has stopped"
                self.data.close()  # a last snapshot: the next start replays nothing

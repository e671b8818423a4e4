"""The local stand-in for DynamoDB and SQS: moto's server app on a loopback port.

moto applies a DynamoDB request in steps and rolls a failed transaction back by restoring a snapshot of the
whole table, so two DynamoDB requests served at once can undo each other's writes. Real DynamoDB applies each
request atomically; a lock around DynamoDB requests restores that. SQS requests stay concurrent, so long polls
do not block anyone.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Iterable

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

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


class Emulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        app = OneDynamoRequestAtATime(DomainDispatcherApplication(create_backend_app))
        self.server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
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

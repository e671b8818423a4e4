"""A TCP setting both local servers (the API's and the emulator's) take on every connection they accept."""
from __future__ import annotations

import socket
from typing import Any


def without_nagle(server: Any) -> None:
    """Send small writes at once on every accepted connection: the servers write headers and body apart, and
    Nagle's algorithm holds the body until the client's delayed ACK (40 ms a request on a kept-alive connection)."""
    accept = server.get_request

    def get_request() -> tuple[socket.socket, Any]:
        connection, address = accept()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address

    server.get_request = get_request

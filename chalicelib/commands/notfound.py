"""Requests for a path other than /client/api: a CloudStack-shaped 404 that names where the API is."""
from __future__ import annotations

from typing import Sequence

from chalicelib import settings
from chalicelib.cloudstack import wire
from chalicelib.commands.api import HttpReply, _header_safe
from chalicelib.core.errors import echo

API_PATH = "/client/api"


def not_found(path: str, query: Sequence[tuple[str, str]]) -> HttpReply:
    """404 in the format asked (`response=json`, else XML), with the path echoed safely and the API's path named."""
    fmt = "json" if any(n.lower() == "response" and v.lower() == "json" for n, v in query) else "xml"
    text = f"Unable to find {echo(path)}: the CloudStack API is at {API_PATH} (the console at /console)"
    rendered = wire.render_error("errorresponse", 404, text, None, fmt, settings.load().cloudstack_version)
    return HttpReply(404, rendered.body, {"Content-Type": rendered.content_type, "X-Description": _header_safe(text)})

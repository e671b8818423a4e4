"""The API: one request in, one CloudStack response out. Errors become error responses here, in one place."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from chalicelib import lists, settings, wire
from chalicelib.accounts import ADMIN, Caller
from chalicelib.errors import ApiError
from chalicelib.queries import query_async_job_result
from chalicelib.request import ApiRequest, build_request
from chalicelib.submit import deploy_virtual_machine, vm_command

log = logging.getLogger(__name__)
Handler = Callable[[ApiRequest, Caller, str], dict[str, Any]]
INTERNAL_ERROR_TEXT = "Internal error executing command, please contact your system administrator"


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


COMMANDS: dict[str, tuple[str, Handler]] = {
    name.lower(): (name, handler) for name, handler in (
        ("deployVirtualMachine", deploy_virtual_machine),
        ("startVirtualMachine", vm_command("startVirtualMachine")),
        ("stopVirtualMachine", vm_command("stopVirtualMachine")),
        ("rebootVirtualMachine", vm_command("rebootVirtualMachine")),
        ("destroyVirtualMachine", vm_command("destroyVirtualMachine")),
        ("queryAsyncJobResult", query_async_job_result),
        ("listAsyncJobs", lists.list_async_jobs),
        ("listVirtualMachines", lists.list_virtual_machines),
        ("listZones", lists.inventory_list("zone")),
        ("listServiceOfferings", lists.inventory_list("serviceoffering")),
        ("listDiskOfferings", lists.inventory_list("diskoffering")),
        ("listTemplates", lists.list_templates),
        ("listPublicIpAddresses", lists.empty_list("publicipaddress")),
        ("listPortForwardingRules", lists.empty_list("portforwardingrule")),
        ("listIpForwardingRules", lists.empty_list("ipforwardingrule")),
    )
}


def handle(query: Iterable[tuple[str, str]], body: bytes | str | None, request_id: str = "") -> HttpReply:
    version = settings.load().cloudstack_version
    req = ApiRequest(pairs=())
    try:
        req = build_request(query, body)
        entry = COMMANDS.get(req.command.lower())
        if entry is None:
            raise ApiError(432, f"Unknown API command: {req.command}" if req.command else "No command specified")
        payload = entry[1](req, ADMIN, request_id)
        rendered = wire.render(wire.root_name(req.command), payload, req.fmt, version)
        return HttpReply(200, rendered.body, {"Content-Type": rendered.content_type})
    except ApiError as exc:
        return error_reply(req, exc, version)
    except Exception:  # anything unexpected: 530 with no detail; the detail goes to the log
        log.exception("request %s failed", request_id)
        return error_reply(req, ApiError(530, INTERNAL_ERROR_TEXT), version)


def error_reply(req: ApiRequest, exc: ApiError, version: str) -> HttpReply:
    known = req.command.lower() in COMMANDS
    root = wire.root_name(req.command) if known else "errorresponse"
    rendered = wire.render_error(root, exc.code, exc.text, exc.cserrorcode, req.fmt, version)
    headers = {"Content-Type": rendered.content_type, "X-Description": _header_safe(exc.text)}
    return HttpReply(exc.code, rendered.body, headers)


def _header_safe(text: str) -> str:
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text)

"""The API: one request in, one CloudStack response out. Errors become error responses here, in one place."""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from chalicelib import settings, telemetry
from chalicelib.cloudstack import wire
from chalicelib.cloudstack.request import ApiRequest, build_request
from chalicelib.commands import admin, capacity, events, keypairs, lookups, reads, tags, timeline, volumes
from chalicelib.commands import vm_changes
from chalicelib.commands.userdata import get_virtual_machine_user_data
from chalicelib.commands.auth import authenticate, check_rate, check_shape
from chalicelib.commands.submit import deploy_virtual_machine, reset_ssh_key, vm_command
from chalicelib.core.accounts import DOMAIN_ADMIN, ROOT_ADMIN, USER, Caller
from chalicelib.core.errors import ApiError, KeyRevoked, echo, not_available, unauthorized

log = logging.getLogger(__name__)
Handler = Callable[[ApiRequest, Caller, str], dict[str, Any]]
INTERNAL_ERROR_TEXT = "Internal error executing command, please contact your system administrator"
EVERYONE = (USER, ROOT_ADMIN, DOMAIN_ADMIN)
ADMINS = (ROOT_ADMIN, DOMAIN_ADMIN)


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    roles: tuple[int, ...] = EVERYONE


@dataclass(frozen=True)
class HttpRequest:
    method: str
    query: Sequence[tuple[str, str]]
    body: bytes | str | None = None
    request_id: str = ""


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


COMMANDS: dict[str, Command] = {c.name.lower(): c for c in (
    Command("deployVirtualMachine", deploy_virtual_machine),
    Command("startVirtualMachine", vm_command("startVirtualMachine")),
    Command("stopVirtualMachine", vm_command("stopVirtualMachine")),
    Command("rebootVirtualMachine", vm_command("rebootVirtualMachine")),
    Command("destroyVirtualMachine", vm_command("destroyVirtualMachine")),
    Command("resetSSHKeyForVirtualMachine", reset_ssh_key),
    Command("updateVirtualMachine", vm_changes.update_virtual_machine),
    Command("changeServiceForVirtualMachine", vm_changes.change_service_for_virtual_machine),
    Command("scaleVirtualMachine", vm_changes.scale_virtual_machine),
    Command("recoverVirtualMachine", vm_changes.recover_virtual_machine),
    Command("getVirtualMachineUserData", get_virtual_machine_user_data),
    Command("migrateVirtualMachine", vm_changes.migrate_virtual_machine, (ROOT_ADMIN,)),
    Command("listVolumes", volumes.list_volumes),
    Command("createVolume", volumes.create_volume),
    Command("attachVolume", volumes.attach_volume),
    Command("detachVolume", volumes.detach_volume),
    Command("resizeVolume", volumes.resize_volume),
    Command("deleteVolume", volumes.delete_volume),
    Command("createSSHKeyPair", keypairs.create_ssh_key_pair),
    Command("registerSSHKeyPair", keypairs.register_ssh_key_pair),
    Command("listSSHKeyPairs", keypairs.list_ssh_key_pairs),
    Command("deleteSSHKeyPair", keypairs.delete_ssh_key_pair),
    Command("createTags", tags.create_tags),
    Command("deleteTags", tags.delete_tags),
    Command("listTags", tags.list_tags),
    Command("queryAsyncJobResult", reads.query_async_job_result),
    Command("listAsyncJobs", reads.list_async_jobs),
    Command("listJobEvents", timeline.list_job_events),  # jobledger extension: a job's stream as stored
    Command("listVirtualMachines", reads.list_virtual_machines),
    Command("listHosts", capacity.list_hosts, (ROOT_ADMIN,)),
    Command("listPods", capacity.list_pods, (ROOT_ADMIN,)),
    Command("listClusters", capacity.list_clusters, (ROOT_ADMIN,)),
    Command("listZones", reads.inventory_list("zone")),
    Command("listServiceOfferings", reads.inventory_list("serviceoffering")),
    Command("listDiskOfferings", reads.inventory_list("diskoffering")),
    Command("listTemplates", reads.list_templates),
    Command("listNetworks", lookups.list_networks),
    Command("listOsTypes", lookups.list_os_types),
    Command("listHypervisors", lookups.list_hypervisors),
    Command("listCapabilities", lookups.list_capabilities),
    Command("listUsers", lookups.list_users),
    Command("listNics", lookups.list_nics),
    Command("listEvents", events.list_events),
    Command("listAffinityGroups", reads.empty_list("affinitygroup")),
    Command("listSecurityGroups", reads.empty_list("securitygroup")),
    Command("listProjects", reads.empty_list("project")),
    Command("listPublicIpAddresses", reads.empty_list("publicipaddress")),
    Command("listPortForwardingRules", reads.empty_list("portforwardingrule")),
    Command("listIpForwardingRules", reads.empty_list("ipforwardingrule")),
    Command("createDomain", admin.create_domain, ADMINS),
    Command("listDomains", admin.list_domains, ADMINS),
    Command("createAccount", admin.create_account, ADMINS),
    Command("listAccounts", admin.list_accounts),
    Command("createUser", admin.create_user, ADMINS),
    Command("registerUserKeys", admin.register_user_keys),
    Command("enableUser", admin.enable_user, ADMINS),
    Command("disableUser", admin.disable_user, ADMINS),
    Command("deleteAccount", admin.delete_account, ADMINS),
    Command("deleteUser", admin.delete_user, ADMINS),
    Command("updateUser", admin.update_user, ADMINS),
)}


def handle(http: HttpRequest) -> HttpReply:
    """One request in, one CloudStack response out, and one log line about it."""
    return _logged(http, time.monotonic())


def _logged(http: HttpRequest, started: float) -> HttpReply:
    callers: list[str] = []
    reply, command = _handle(http, callers)
    telemetry.request_answered(echo(command), reply.status, callers[0] if callers else "", http.request_id,
                               ms=round((time.monotonic() - started) * 1000, 1))
    return reply


def _handle(http: HttpRequest, callers: list[str]) -> tuple[HttpReply, str]:
    config = settings.load()
    req = ApiRequest(pairs=())
    try:
        body = http.body or b""
        req = build_request(http.query, None, http.method)  # errors from here on answer in the format asked
        if http.method not in ("GET", "POST"):
            raise ApiError(405, f"Method {http.method} is not allowed: use GET or POST")
        req = build_request(http.query, body, http.method)
        check_shape(req, len(body), config)
        command = COMMANDS.get(req.command.lower())
        if command is None and not (req.get("apikey") or req.get("signature")):
            raise _unknown(req.command)  # unsigned: 432, as CloudStack
        caller, apikey = authenticate(req, config)
        callers.append(caller.accountid)
        # Only a caller whose signature verified learns that a command does not exist or is not theirs.
        if command is None or caller.accounttype not in command.roles:
            raise not_available()
        check_rate(apikey, config)
        payload = command.handler(req, caller, http.request_id)
        rendered = wire.render(wire.root_name(req.command), payload, req.fmt, config.cloudstack_version)
        return HttpReply(200, rendered.body, {"Content-Type": rendered.content_type}), req.command
    except ApiError as exc:
        return error_reply(req, exc, config.cloudstack_version), req.command
    except KeyRevoked:  # the key was revoked between its check and this request's write: nothing was written
        return error_reply(req, unauthorized(), config.cloudstack_version), req.command
    except Exception:  # anything unexpected: 530 with no detail; the detail goes to the log
        log.exception("request %s failed", http.request_id)
        return error_reply(req, ApiError(530, INTERNAL_ERROR_TEXT), config.cloudstack_version), req.command


def _unknown(command: str) -> ApiError:
    return ApiError(432, f"Unknown API command: {echo(command)}" if command else "No command specified")


def error_reply(req: ApiRequest, exc: ApiError, version: str) -> HttpReply:
    # A 401 names any plausible command the same way, known or not: it must not tell which commands exist.
    named = req.command.lower() in COMMANDS or (exc.code == 401 and _PLAUSIBLE.fullmatch(req.command))
    root = wire.root_name(req.command) if named else "errorresponse"
    rendered = wire.render_error(root, exc.code, exc.text, exc.cserrorcode, req.fmt, version)
    headers = {"Content-Type": rendered.content_type, "X-Description": _header_safe(exc.text)}
    return HttpReply(exc.code, rendered.body, headers)


_PLAUSIBLE = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}")


HEADER_LIMIT = 512


def _header_safe(text: str) -> str:
    """Printable ASCII only (no header injection), and bounded: API Gateway refuses oversized headers."""
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text[:HEADER_LIMIT])

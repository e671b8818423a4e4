"""SSH key pairs: createSSHKeyPair (the private key answered once, never stored), registerSSHKeyPair,
listSSHKeyPairs, deleteSSHKeyPair (sync, as in CloudStack); each change an event of stream
`sshkeypair#<id>`. Names are per account: another account's pair of the same name is missing."""
from __future__ import annotations

from typing import Any

from chalicelib import settings
from chalicelib.aws import directory, eventlog, statetable
from chalicelib.cloudstack.paging import paging
from chalicelib.cloudstack.request import ApiRequest
from chalicelib.cloudstack.wire import list_payload
from chalicelib.commands.auth import guard_of
from chalicelib.core import events as ev
from chalicelib.core import keypairs as kp
from chalicelib.core.accounts import Caller
from chalicelib.core.errors import ApiError, echo, invalid_value

KEYPAIR_ID_START = 1


def create_ssh_key_pair(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    name = _name(req)
    private_key, public_key = generate_rsa()
    parsed = kp.key_blob(public_key)
    assert parsed is not None  # our own key
    doc = _record(req, caller, request_id, name, public_key, kp.fingerprint(parsed[1]))
    return {"keypair": {**kp.view(doc), "privatekey": private_key}}


def register_ssh_key_pair(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    name = _name(req)
    public_key = req.require("publickey")
    parsed = kp.key_blob(public_key)
    if parsed is None:
        raise ApiError(431, "Public key is invalid")
    doc = _record(req, caller, request_id, name, public_key, kp.fingerprint(parsed[1]))
    return {"keypair": kp.view(doc)}


def delete_ssh_key_pair(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    doc = find(caller, _name(req))
    if doc is None:
        raise ApiError(431, f"A key pair with name '{echo(_name(req))}' does not exist for account "
                            f"{echo(caller.account)} in specified domain id")
    stream = f"sshkeypair#{doc['id']}"
    history = eventlog.load_stream(stream)
    event = ev.chained(history[-1] if history else None, [ev.new_event(
        stream, len(history) + 1, ev.SSH_KEYPAIR_DELETED, {"keypair": doc}, caller.actor(request_id))])
    try:
        eventlog.commit(event, [*kp.delete_effects(doc), *guard_of(caller)])
    except eventlog.ConcurrencyConflict as exc:  # deleted meanwhile
        raise ApiError(431, "The key pair changed while it was being deleted: try again") from exc
    return {"success": True}


def list_ssh_key_pairs(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:

    page = paging(req)
    scope, hidden = directory.list_scope(caller, req.boolean("listall", False))
    docs = [r.as_dict() for r in statetable.list_rows("sshkeypair", scope, statetable.Filter(hide_owners=hidden))]
    wanted = {"name": req.get("name"), "fingerprint": req.get("fingerprint")}
    docs = [d for d in docs if all(v is None or d[k] == v for k, v in wanted.items())]
    return list_payload("sshkeypair", [kp.view(d) for d in docs[page.start:page.end()]], len(docs))


def find(caller: Caller, name: str) -> dict[str, Any] | None:
    """The caller's own key pair of that name (deployVirtualMachine's `keypair`)."""
    row = statetable.get("sshkeypair", kp.row_id(caller.accountid, name))
    return None if row is None else row.as_dict()


def _record(req: ApiRequest, caller: Caller, request_id: str, name: str, public_key: str,
            fp: str) -> dict[str, Any]:
    keypairid = statetable.next_id("sshkeypair", KEYPAIR_ID_START, settings.load().id_block)
    owner = {"accountid": caller.accountid, "account": caller.account, "domainid": caller.domainid,
             "domain": caller.domain}
    doc = kp.document(keypairid, name, public_key, fp, owner)
    stream = f"sshkeypair#{keypairid}"
    event = ev.chained(None, [ev.new_event(stream, 1, ev.SSH_KEYPAIR_REGISTERED, {"keypair": doc},
                                           caller.actor(request_id))])
    try:
        eventlog.commit(event, [*kp.register_effects(doc), *guard_of(caller)])
    except eventlog.StaleVersion as exc:
        raise ApiError(431, f"A key pair with name '{echo(name)}' already exists.") from exc
    return doc


def _name(req: ApiRequest) -> str:
    name = req.require("name")
    if not kp.valid_name(name) or len(name.encode("utf-8")) > 4 * kp.MAX_NAME:
        raise invalid_value(req.command, "name", name)
    return name


def generate_rsa() -> tuple[str, str]:
    """A 2048-bit RSA pair as CloudStack makes one: the private key in PEM (PKCS#1), the public in OpenSSH form.
    `cryptography` is imported here only: its import cost falls on this command, not on every cold start."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode("ascii")
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode("ascii")
    return private, public

"""Tenant administration through the API, with CloudStack's command names and response shapes."""
from __future__ import annotations

import unicodedata
from typing import Any, Callable, Mapping

from chalicelib.aws import directory, statetable
from chalicelib.cloudstack.paging import paging
from chalicelib.cloudstack.request import ApiRequest, is_numeric_id
from chalicelib.cloudstack.wire import list_payload
from chalicelib.commands.auth import guard_of
from chalicelib.runtime.submission import submit_job
from chalicelib.core import accounts as acc
from chalicelib.core import effects as fx
from chalicelib.core.accounts import DOMAIN_ADMIN, ROOT_ADMIN, Caller, view
from chalicelib.core.errors import CS_PERMISSION_DENIED, ApiError, ConcurrencyConflict, echo, invalid_value

ADMIN_ROLES = (ROOT_ADMIN, DOMAIN_ADMIN)


def create_domain(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    name = _name(req, "name")
    parent = _domain(req, caller, req.get("parentdomainid") or caller.domainid, "parentdomainid")
    created = directory.create_domain(name, parent, caller.actor(request_id), guard=guard_of(caller))
    return {"domain": view(created, acc.DOMAIN_FIELDS)}


def list_domains(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    page = paging(req)
    if caller.accounttype == ROOT_ADMIN:
        rows = [r.as_dict() for r in statetable.list_rows("domain", statetable.Scope("all"))]
    else:
        rows = [_domain(req, caller, caller.domainid, "id")]
    rows = [r for r in rows if (not req.get("id") or r["id"] == req.get("id"))
            and (not req.get("name") or r["name"] == req.get("name"))]
    items = [view(r, acc.DOMAIN_FIELDS) for r in rows]
    return list_payload("domain", items[page.start:page.end()], len(items))


def create_account(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    user = _user_fields(req)
    accounttype = req.integer("accounttype", acc.USER)
    if accounttype not in acc.ACCOUNT_TYPES or (accounttype == ROOT_ADMIN and caller.accounttype != ROOT_ADMIN):
        raise invalid_value(req.command, "accounttype", str(accounttype))
    domain = _domain(req, caller, req.get("domainid") or caller.domainid, "domainid")
    name = _name(req, "account") if req.get("account") else user["username"]
    account, created = directory.create_account(name, accounttype, domain, user, caller.actor(request_id),
                                                guard=guard_of(caller))
    return {"account": _account_view(account, [created])}


def list_accounts(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    page = paging(req)
    if caller.accounttype == ROOT_ADMIN and req.boolean("listall", False):
        scope = statetable.Scope("all")
    elif caller.accounttype in ADMIN_ROLES:
        domain = _domain(req, caller, req.get("domainid") or caller.domainid, "domainid")
        scope = statetable.Scope("domain", domain["id"])
    else:
        scope = statetable.Scope("owner", caller.accountid)
    rows = statetable.list_rows("account", scope)
    found = [r.as_dict() for r in rows]
    if caller.accounttype != ROOT_ADMIN:  # a domain admin never sees a root admin's account
        found = [a for a in found if int(a["accounttype"]) != ROOT_ADMIN or a["id"] == caller.accountid]
    found = [a for a in found if a["state"] != "deleted" and (not req.get("id") or a["id"] == req.get("id"))
             and (not req.get("name") or a["name"] == req.get("name"))]
    items = [_account_view(a, directory.users_of(a["id"])) for a in found[page.start:page.end()]]
    return list_payload("account", items, len(found))


def create_user(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    user = dict(_user_fields(req), account=_name(req, "account"))
    domain = _domain(req, caller, req.get("domainid") or caller.domainid, "domainid")
    account = next((r.as_dict() for r in statetable.list_rows("account", statetable.Scope("domain", domain["id"]))
                    if r.as_dict()["name"] == user["account"] and r.as_dict()["state"] != "deleted"), None)
    # only the root admin adds users to a root admin account (they would hold its powers)
    if account is None or (caller.accounttype != ROOT_ADMIN and int(account["accounttype"]) == ROOT_ADMIN):
        raise invalid_value(req.command, "account", user["account"])
    created = directory.create_user(account, user, caller.actor(request_id), guard=guard_of(caller))
    return {"user": view(created, acc.USER_FIELDS)}


def register_user_keys(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    def register(user: dict[str, Any], history: list[Any]) -> tuple[str, str]:
        # Rotating the very key that signs the request deletes its row in the same transaction: nothing to guard.
        guard = [] if user.get("apikey") == caller.apikey else guard_of(caller)
        return directory.register_keys(user, caller.actor(request_id), guard=guard, history=history)
    apikey, secret = _changed_user(req, caller, register, allow_self=True)
    return {"userkeys": {"apikey": apikey, "secretkey": secret}}


def enable_user(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    def enable(user: dict[str, Any], history: list[Any]) -> dict[str, Any]:
        return directory.set_user_state(user, True, caller.actor(request_id), fx.Also(effects=guard_of(caller)),
                                        history)
    return {"user": view(_changed_user(req, caller, enable), acc.USER_FIELDS)}


def _changed_user(req: ApiRequest, caller: Caller, change: Callable[[dict[str, Any], list[Any]], Any],
                  allow_self: bool = False) -> Any:
    """A change decided from the user's row: its stream loaded first, then the row read (visible to the caller,
    else 431), then committed only if neither changed meanwhile (the event's seq is the next one after the
    stream as loaded; the row is written only while it is listed, i.e. not deleted with its account); decided
    again from fresh reads if one did."""
    userid = req.require("id")
    for _ in range(CHANGE_TRIES):
        history = directory.user_history(userid) if is_numeric_id(userid) else []
        user = _user(req, caller, allow_self)
        if not user or user.get("state") == "deleted":
            raise invalid_value(req.command, "id", userid)
        try:
            return change(user, history)
        except ConcurrencyConflict:
            continue
    raise ApiError(530, f"User {echo(userid)} kept changing while this request was made; try again")


CHANGE_TRIES = 5


def disable_user(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """Async, as in CloudStack: the job's result is the disabled user. The user and its key are disabled in the
    submission's own transaction: when the answer leaves, the key no longer works."""
    actor = caller.actor(request_id)

    def disable(user: dict[str, Any], history: list[Any]) -> str:
        if user["id"] == caller.userid:
            raise ApiError(431, "Unable to disable the user making the request", CS_PERMISSION_DENIED)
        return submit_job("disableUser", actor, "User", user["id"], req.params, effects=guard_of(caller),
                          record=lambda also: directory.set_user_state(user, False, actor, also, history))
    return {"jobid": _changed_user(req, caller, disable)}


def update_user(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """Sync, as in CloudStack: the user as it is now. `username`, `firstname`, `lastname`, `email`, `password`
    (`timezone` is taken and not kept: jobledger shows no time zone). No new detail and no password, nothing
    written (a password given is always written: only its hash is kept, so nothing tells it is the same)."""
    given = {p: _name(req, p, slash=p != "username") for p in ("username", "firstname", "lastname", "email")
             if req.get(p) is not None}
    password = _name(req, "password", slash=True) if req.get("password") is not None else None

    def update(user: dict[str, Any], history: list[Any]) -> dict[str, Any]:
        changes = {p: v for p, v in given.items() if v != user.get(p)}
        if not changes and password is None:
            return user
        return directory.update_user(user, changes, password, caller.actor(request_id),
                                     fx.Also(effects=guard_of(caller)), history)
    return {"user": view(_changed_user(req, caller, update), acc.USER_FIELDS)}


def delete_user(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """Sync, as in CloudStack: `{"success": true}`. The user is deleted and its key removed in one transaction
    (revocation is immediate). Neither the caller's own user nor the bootstrap admin can be deleted."""
    def delete(user: dict[str, Any], history: list[Any]) -> None:
        if user["id"] in (acc.ADMIN_USER_ID, caller.userid):
            raise ApiError(431, "Unable to delete the system admin user or the user making the request",
                           CS_PERMISSION_DENIED)
        directory.delete_user(user, caller.actor(request_id), fx.Also(effects=guard_of(caller)), history)
    _changed_user(req, caller, delete)
    return {"success": True}


def delete_account(req: ApiRequest, caller: Caller, request_id: str) -> dict[str, Any]:
    """Async, as in CloudStack: the job's result is `{"success": true}`. The account is deleted and its users'
    keys removed in the submission's own transaction (revocation is immediate); the job then destroys its VMs."""
    for _ in range(CHANGE_TRIES):
        try:  # a user of the account changed since it was read: nothing was written, decide again
            return {"jobid": _submit_account_deletion(req, caller, request_id)}
        except ConcurrencyConflict:
            continue
    raise ApiError(530, f"Account {echo(req.require('id'))} kept changing while this request was made; try again")


def _submit_account_deletion(req: ApiRequest, caller: Caller, request_id: str) -> str:
    account = _visible_row(req, caller, "account", req.require("id"), "id")
    if account["id"] in (acc.ADMIN_ACCOUNT_ID, caller.accountid):
        raise ApiError(431, "Unable to delete the system admin account or the caller's own account",
                       CS_PERMISSION_DENIED)
    actor, (users, heads) = caller.actor(request_id), directory.account_users(account["id"])
    return submit_job("deleteAccount", actor, "Account", account["id"], req.params, effects=guard_of(caller),
                      record=lambda also: directory.delete_account(account, users, actor, also, heads))


def _domain(req: ApiRequest, caller: Caller, domainid: str, param: str) -> dict[str, Any]:
    """A domain the caller administers. A domain admin gets one answer for a domain outside its subtree and for
    one that does not exist (nothing tells it which ids exist elsewhere)."""
    row = statetable.get("domain", domainid) if is_numeric_id(domainid) else None
    domain = row.as_dict() if row is not None else None
    if caller.accounttype != ROOT_ADMIN and (domain is None or not directory.within(domain, caller.domainid)):
        raise ApiError(531, f"Account {echo(caller.account)} does not have permission to operate within domain "
                            f"id={echo(domainid)}", CS_PERMISSION_DENIED)
    if domain is None:
        raise invalid_value(req.command, param, domainid)
    return domain


def _name(req: ApiRequest, param: str, limit: int = 255, slash: bool = False) -> str:
    """Bounded text; names (domains, accounts, usernames: they end up in keys and identify who acts) also without
    `/`, which separates the parts of those keys, and without what makes one name look like another: format
    characters (bidi marks, zero-width joiners), surrogates and private-use characters, line and paragraph
    separators, whitespace at either end or only whitespace."""
    value = req.require(param)
    if len(value) > limit or (not slash and not _plain_name(value)):
        raise invalid_value(req.command, param, value)
    return value


def _plain_name(value: str) -> bool:
    return ("/" not in value and value == value.strip() and value != ""
            and not any(unicodedata.category(c) in ("Cf", "Cs", "Co", "Zl", "Zp") for c in value))


def _user_fields(req: ApiRequest) -> dict[str, str]:
    fields = {p: _name(req, p, slash=True) for p in ("password", "email", "firstname", "lastname")}
    return dict(fields, username=_name(req, "username"))


def _user(req: ApiRequest, caller: Caller, allow_self: bool = False) -> dict[str, Any]:
    userid = req.require("id")
    if allow_self and userid == caller.userid:
        row = statetable.get("user", userid)
        return row.as_dict() if row else {}
    return _visible_row(req, caller, "user", userid, "id")


def _visible_row(req: ApiRequest, caller: Caller, kind: str, id_: str, param: str) -> dict[str, Any]:
    """A tenant row the caller administers; anything else reads as missing (431)."""
    row = statetable.get(kind, id_) if is_numeric_id(id_) else None
    data = row.as_dict() if row else None
    allowed = data is not None and data.get("state") != "deleted" and (
        caller.accounttype == ROOT_ADMIN
        or (caller.accounttype == DOMAIN_ADMIN and int(data.get("accounttype", acc.USER)) != ROOT_ADMIN
            and directory.within(_domain_row(data["domainid"]), caller.domainid)))
    if not allowed:
        raise invalid_value(req.command, param, id_)
    return data  # type: ignore[return-value]


def _domain_row(domainid: str) -> dict[str, Any] | None:
    row = statetable.get("domain", domainid)
    return row.as_dict() if row is not None else None


def _account_view(account: Mapping[str, Any], users: list[dict[str, Any]]) -> dict[str, Any]:
    return view(dict(account, user=[view(u, acc.USER_FIELDS) for u in users if u.get("state") != "deleted"]),
                acc.ACCOUNT_FIELDS)

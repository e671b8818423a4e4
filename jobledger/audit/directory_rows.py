"""The state rows each domain, account and user event explains, as `directory.py` writes them with it.
Secrets never reach the log: replay leaves out users' password hashes and key rows' secrets (the log
keeps only a digest of each secret, which the audit checks them against). Pure: no I/O.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from jobledger.audit.table import Table
from chalicelib.core import effects as fx
from chalicelib.core import events as ev
from chalicelib.core.rows import key_listed, listed

Data = dict[str, Any]
# The key row fields copied from the user (`directory._key_row`, less the secret).
KEY_FIELDS = ("username", "accountid", "account", "accounttype", "domainid", "domain", "state")


def directory_effects(event: ev.Event, table: Table) -> list[fx.Effect]:
    """The rows an event's transaction wrote, worked out from the event and the rows before it."""
    project = PROJECTORS.get(event.type)
    return project(event, table) if project else []


def _domain_created(e: ev.Event, table: Table) -> list[fx.Effect]:
    row = dict(e.data)
    parentid = row.get("parentdomainid")
    effects: list[fx.Effect] = [
        fx.Claim("domainname", f"{parentid or '-'}/{row['name'].lower()}", row["id"]),
        fx.PutState("domain", row["id"], row, listed=listed("domain", row["id"], row["id"]))]
    parent = table.data("domain", parentid) if parentid else None
    if parentid and parent is not None and not parent.get("haschild"):
        effects.append(fx.PutState("domain", parentid, dict(parent, haschild=True),
                                   listed=listed("domain", parentid, parentid)))
    return effects


def _account_created(e: ev.Event, table: Table) -> list[fx.Effect]:
    account = dict(e.data)
    return [fx.Claim("accountname", f"{account['domainid']}/{account['name'].lower()}", account["id"]),
            fx.PutState("account", account["id"], account,
                        listed=listed("account", account["id"], account["domainid"], account["id"]))]


def _user_created(e: ev.Event, table: Table) -> list[fx.Effect]:
    user = dict(e.data)
    return [fx.Claim("username", f"{user['domainid']}/{user['username'].lower()}", user["id"]),
            fx.PutState("user", user["id"], user, listed=_userlisted(user))]


def _userlisted(user: Mapping[str, Any]) -> dict[str, str]:
    return listed("user", user["id"], user["domainid"], user["accountid"])


def _keys_registered(e: ev.Event, table: Table) -> list[fx.Effect]:
    user = _user_of(e, table)
    effects: list[fx.Effect] = []
    if user.get("apikey"):
        effects.append(fx.DeleteState("apikey", user["apikey"]))
    updated = dict(user, apikey=e.data["apikey"])
    key = {"userid": user["id"], **{k: updated[k] for k in KEY_FIELDS}, "accounttype": int(user["accounttype"])}
    return [*effects, fx.PutState("user", user["id"], updated, listed=_userlisted(user)),
            fx.PutState("apikey", e.data["apikey"], key, listed=key_listed(updated["state"]))]


def _user_state(e: ev.Event, table: Table) -> list[fx.Effect]:
    user = _user_of(e, table)
    updated = dict(user, state="enabled" if e.type == ev.USER_ENABLED else "disabled")
    effects: list[fx.Effect] = [fx.PutState("user", user["id"], updated, listed=_userlisted(user))]
    key = table.data("apikey", user["apikey"]) if user.get("apikey") else None
    if key is not None:
        effects.append(fx.PutState("apikey", user["apikey"], dict(key, state=updated["state"]),
                                   listed=key_listed(updated["state"])))
    return effects


def _user_updated(e: ev.Event, table: Table) -> list[fx.Effect]:
    """New names or contact details; a new username moves its claim and follows into the key row
    (`directory.update_user`; a new password's hash is not in the log and not replayed)."""
    user = _user_of(e, table)
    changes = dict(e.data.get("changes") or {})
    updated = dict(user, **changes)
    effects: list[fx.Effect] = [fx.PutState("user", user["id"], updated, listed=_userlisted(user))]
    if changes.get("username") and changes["username"].lower() != user["username"].lower():
        effects += [fx.DeleteState("username", f"{user['domainid']}/{user['username'].lower()}"),
                    fx.Claim("username", f"{user['domainid']}/{changes['username'].lower()}", user["id"])]
    key = table.data("apikey", user["apikey"]) if user.get("apikey") and "username" in changes else None
    if key is not None:
        effects.append(fx.PutState("apikey", user["apikey"], dict(key, username=updated["username"]),
                                   listed=key_listed(updated["state"])))
    return effects


def _user_deleted(e: ev.Event, table: Table) -> list[fx.Effect]:
    """The user marked deleted (out of the listings), its name freed, its key removed (`directory.delete_user`)."""
    user = _user_of(e, table)
    effects: list[fx.Effect] = [fx.PutState("user", user["id"], dict(user, state="deleted")),
                                fx.DeleteState("username", f"{user['domainid']}/{user['username'].lower()}")]
    if user.get("apikey"):
        effects.append(fx.DeleteState("apikey", user["apikey"]))
    return effects


def _account_deleted(e: ev.Event, table: Table) -> list[fx.Effect]:
    """The account marked deleted, its name freed, its listed users deleted with their names and keys."""
    account = _row_of(e, table, "account")
    effects: list[fx.Effect] = [
        fx.PutState("account", account["id"], dict(account, state="deleted")),
        fx.DeleteState("accountname", f"{account['domainid']}/{account['name'].lower()}")]
    for _, row in sorted(table.of_kind("user"), key=lambda r: r[1].get("sort", "")):
        user = row.get("data") or {}
        if row.get("owner") != account["id"] or not str(row.get("sort", "")).startswith("user#"):
            continue  # `directory.users_of` reads the owner index: users deleted before are not in it
        effects += [fx.PutState("user", user["id"], dict(user, state="deleted")),
                    fx.DeleteState("username", f"{user['domainid']}/{user['username'].lower()}")]
        if user.get("apikey"):
            effects.append(fx.DeleteState("apikey", user["apikey"]))
    return effects


def _user_of(e: ev.Event, table: Table) -> Data:
    return _row_of(e, table, "user")


def _row_of(e: ev.Event, table: Table, kind: str) -> Data:
    """The row of the stream's own aggregate, which an earlier event of the stream created."""
    id_ = e.stream.split("#", 1)[1]
    row = table.data(kind, id_)
    if row is None:
        raise LookupError(f"{kind} {id_} has no row for {e.type} to change")
    return row


PROJECTORS: dict[str, Callable[[ev.Event, Table], list[fx.Effect]]] = {
    ev.DOMAIN_CREATED: _domain_created,
    ev.ACCOUNT_CREATED: _account_created,
    ev.USER_CREATED: _user_created,
    ev.USER_KEYS_REGISTERED: _keys_registered,
    ev.USER_DISABLED: _user_state,
    ev.USER_ENABLED: _user_state,
    ev.ACCOUNT_DELETED: _account_deleted,
    ev.USER_DELETED: _user_deleted,
    ev.USER_UPDATED: _user_updated,
}

"""Domains, accounts, users and API keys in DynamoDB: every change an event with the rows it explains.

Streams `domain#<id>`, `account#<id>`, `user#<id>`. Rows: (`domain`, id), (`account`, id), (`user`, id) and
(`apikey`, key), which carries a copy of the user's identity so authenticating a request is one GetItem.
Unique names are claimed rows: (`domainname`, `<parent>/<name>`), (`accountname`, `<domain>/<name>`),
(`username`, `<domain>/<name>`).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from chalicelib.aws import eventlog, statetable
from chalicelib.core import accounts as acc
from chalicelib.core import effects as fx
from chalicelib.core.effects import Also
from chalicelib.core import events as ev
from chalicelib.core import tenancy
from chalicelib.core.errors import ApiError, echo
from chalicelib.aws.models import row_key
from chalicelib.core.rows import HEAD_KIND, key_listed, listed

Actor = Mapping[str, str]
SYSTEM: Actor = {"system": "bootstrap"}


def append(stream: str, type_: str, data: Mapping[str, Any], actor: Actor,
           effects: Sequence[fx.Effect], also: Also | None = None,
           history: Sequence[ev.Event] | None = None) -> None:
    """Append one event to an aggregate's stream (next seq, conditional) with the rows it explains; `also`
    rides in the same transaction (a job's event, the caller's RequireKey guard). `history`: the stream as loaded
    before the rows the change was decided from were read, so that an event appended meanwhile makes this one
    fail (ConcurrencyConflict: decide again) instead of writing over it."""
    history = eventlog.load_stream(stream) if history is None else list(history)
    also = also or Also()
    event = ev.chained(history[-1] if history else None, [ev.new_event(stream, len(history) + 1, type_, data, actor)])
    try:
        eventlog.commit([*event, *also.events], [*effects, *also.effects])
    except eventlog.NameTaken as exc:
        raise ApiError(431, _taken_text(type_, data)) from exc


def _taken_text(type_: str, data: Mapping[str, Any]) -> str:
    what = {"DomainCreated": "Domain", "AccountCreated": "Account", "UserCreated": "User",
            "UserUpdated": "User"}.get(type_, "Name")
    name = data.get("name") or data.get("username") or (data.get("changes") or {}).get("username")
    return f"{what} with name {echo(str(name))} already exists"


def _next_id(counter: str, start: int) -> str:
    return str(statetable.next_value(counter, start))


def create_domain(name: str, parent: Mapping[str, Any] | None, actor: Actor, id_: str | None = None,
                  guard: Sequence[fx.Effect] = ()) -> dict[str, Any]:
    domainid = id_ or _next_id("domain", 2)
    row = {"id": domainid, "name": name, "level": 0, "path": "ROOT", "haschild": False}
    if parent is not None:
        row.update(level=int(parent["level"]) + 1, parentdomainid=parent["id"], parentdomainname=parent["name"],
                   path=f"{parent['path']}/{name}")
    effects: list[fx.Effect] = [
        fx.Claim("domainname", f"{parent['id'] if parent else '-'}/{name.lower()}", domainid),
        fx.PutState("domain", domainid, row, listed=listed("domain", domainid, domainid))]
    if parent is not None and not parent.get("haschild"):
        effects.append(fx.PutState("domain", parent["id"], dict(parent, haschild=True),
                                   listed=listed("domain", parent["id"], parent["id"])))
    append(f"domain#{domainid}", ev.DOMAIN_CREATED, row, actor, effects, Also(effects=guard))
    return row


def create_account(name: str, accounttype: int, domain: Mapping[str, Any], user: Mapping[str, str],
                   actor: Actor, ids: tuple[str, str] | None = None,
                   guard: Sequence[fx.Effect] = ()) -> tuple[dict[str, Any], dict[str, Any]]:
    """An account and its first user, in one transaction each (the account first: the user names it)."""
    accountid = ids[0] if ids else _next_id("account", 3)
    account = {"id": accountid, "name": name, "accounttype": accounttype, "domainid": domain["id"],
               "domain": domain["name"], "state": "enabled", "created": ev.now_iso()}
    append(f"account#{accountid}", ev.ACCOUNT_CREATED, account, actor, [
        fx.Claim("accountname", f"{domain['id']}/{name.lower()}", accountid),
        fx.PutState("account", accountid, account, listed=listed("account", accountid, domain["id"], accountid))],
        Also(effects=guard))
    created = create_user(account, user, actor, ids[1] if ids else None, guard)
    return account, created


def create_user(account: Mapping[str, Any], user: Mapping[str, str], actor: Actor,
                id_: str | None = None, guard: Sequence[fx.Effect] = ()) -> dict[str, Any]:
    userid = id_ or _next_id("user", 3)
    row = {"id": userid, "username": user["username"], "firstname": user.get("firstname", ""),
           "lastname": user.get("lastname", ""), "email": user.get("email", ""), "created": ev.now_iso(),
           "state": "enabled", "account": account["name"], "accountid": account["id"],
           "accounttype": int(account["accounttype"]), "domainid": account["domainid"], "domain": account["domain"]}
    stored = dict(row, password=acc.hash_password(user["password"])) if user.get("password") else row
    append(f"user#{userid}", ev.USER_CREATED, row, actor, [  # the event never sees the password
        fx.Claim("username", f"{account['domainid']}/{user['username'].lower()}", userid),
        fx.PutState("user", userid, stored, listed=listed("user", userid, account["domainid"], account["id"]))],
        Also(effects=guard))
    return row


def register_keys(user: Mapping[str, Any], actor: Actor, apikey: str | None = None,
                  secret: str | None = None, guard: Sequence[fx.Effect] = (),
                  history: Sequence[ev.Event] | None = None) -> tuple[str, str]:
    """A new key pair for the user; the previous one stops working in the same transaction."""
    if apikey is None or secret is None:
        apikey, secret = acc.new_key_pair()
    effects: list[fx.Effect] = []
    if user.get("apikey"):
        effects.append(fx.DeleteState("apikey", user["apikey"]))
    updated = dict(user, apikey=apikey)
    effects += [_user_write(updated, history),
                fx.PutState("apikey", apikey, _key_row(updated, secret), listed=key_listed(updated["state"]))]
    append(f"user#{user['id']}", ev.USER_KEYS_REGISTERED,
           {"apikey": apikey, "secretdigest": acc.secret_digest(secret)}, actor, effects, Also(effects=guard),
           history)
    return apikey, secret


def user_history(userid: str) -> list[ev.Event]:
    """A user's stream, loaded before its row is read for a change (`append`'s `history`)."""
    return eventlog.load_stream(f"user#{userid}")


def _user_write(user: Mapping[str, Any], history: Sequence[ev.Event] | None) -> fx.PutState:
    """The user's row, still listed; with `history` (a change decided from the row as read), written only while
    the row is listed: a user deleted meanwhile (its own stream or its account's) is not brought back."""
    return fx.PutState("user", user["id"], dict(user), listed=listed("user", user["id"], user["domainid"],
                                                                       user["accountid"]),
                       require=("sort", "") if history is not None else None)


def _key_write(user: Mapping[str, Any], key: Mapping[str, Any], keystate: str | None, also: Also | None
               ) -> tuple[fx.PutState, Also | None]:
    """The user's key row rewritten from the row as read: only while its `keystate` is still what was read (the
    key is not deleted or disabled meanwhile). When the key is the very one signing the request, its RequireKey
    guard is dropped (one transaction may not both check and write an item): the write requires it enabled."""
    apikey = str(user["apikey"])
    own = also is not None and any(isinstance(e, fx.RequireKey) and e.apikey == apikey for e in also.effects)
    if own and also is not None:
        also = Also(also.events, [e for e in also.effects if not (isinstance(e, fx.RequireKey)
                                                                     and e.apikey == apikey)])
    required = "enabled" if own else (keystate or "")
    return fx.PutState("apikey", apikey, dict(key), listed=key_listed(user["state"]),
                       require=("keystate", required)), also


def set_user_state(user: Mapping[str, Any], enabled: bool, actor: Actor, also: Also | None = None,
                   history: Sequence[ev.Event] | None = None) -> dict[str, Any]:
    """Disable or enable a user; its key row follows in the same transaction."""
    updated = dict(user, state="enabled" if enabled else "disabled")
    effects: list[fx.Effect] = [_user_write(updated, history)]
    if user.get("apikey"):
        key = statetable.get("apikey", user["apikey"])
        if key is not None:
            write, also = _key_write(updated, dict(key.as_dict(), state=updated["state"]), key.keystate, also)
            effects.append(write)
    append(f"user#{user['id']}", ev.USER_ENABLED if enabled else ev.USER_DISABLED, {"id": user["id"]}, actor,
           effects, also, history)
    return updated


def update_user(user: Mapping[str, Any], changes: Mapping[str, str], password: str | None, actor: Actor,
                also: Also | None, history: Sequence[ev.Event]) -> dict[str, Any]:
    """New names or contact details (`changes`: username, firstname, lastname, email) and/or a new password, decided
    from `user` as read after `history`; a new username moves its claim (431 when taken) and follows into the key
    row, which carries the user's identity. The event records what changed, and of a password only that it
    changed."""
    updated = dict(user, **changes)
    effects: list[fx.Effect] = [_user_write(_with_password(updated, password), history)]
    if changes.get("username") and changes["username"].lower() != user["username"].lower():
        effects += [fx.DeleteState("username", f"{user['domainid']}/{user['username'].lower()}"),
                    fx.Claim("username", f"{user['domainid']}/{changes['username'].lower()}", user["id"])]
    key = statetable.get("apikey", user["apikey"]) if user.get("apikey") and "username" in changes else None
    if key is not None:
        write, also = _key_write(updated, dict(key.as_dict(), username=updated["username"]), key.keystate, also)
        effects.append(write)
    data = {"id": user["id"], "changes": dict(changes), **({"password": "changed"} if password else {})}
    append(f"user#{user['id']}", ev.USER_UPDATED, data, actor, effects, also, history)
    return updated


def _with_password(user: Mapping[str, Any], password: str | None) -> dict[str, Any]:
    return dict(user, password=acc.hash_password(password)) if password else dict(user)


def delete_user(user: Mapping[str, Any], actor: Actor, also: Also | None, history: Sequence[ev.Event]) -> None:
    """The user is marked deleted (and leaves the listings), its name freed, its key removed: it cannot call
    again once the answer leaves. Decided from `user` as read after `history`: a user deleted meanwhile with its
    account is not deleted twice (its row must still be listed)."""
    effects: list[fx.Effect] = [
        fx.PutState("user", user["id"], dict(user, state="deleted"), require=("sort", "")),
        fx.DeleteState("username", f"{user['domainid']}/{user['username'].lower()}")]
    if user.get("apikey"):
        effects.append(fx.DeleteState("apikey", user["apikey"]))
    append(f"user#{user['id']}", ev.USER_DELETED, {"id": user["id"]}, actor, effects, also, history)


def delete_account(account: Mapping[str, Any], users: Sequence[Mapping[str, Any]], actor: Actor,
                   also: Also | None = None, heads: Mapping[str, str | None] | None = None) -> None:
    """The account is marked deleted, its names freed, its users' keys removed: none of them can call again.
    `heads`: each user's stream head as read before its row (`account_users`): the deletion commits only while
    no user changed since (renamed, deleted, re-keyed), else it is decided again."""
    effects: list[fx.Effect] = [
        fx.PutState("account", account["id"], dict(account, state="deleted")),
        fx.DeleteState("accountname", f"{account['domainid']}/{account['name'].lower()}")]
    effects += [fx.Require(HEAD_KIND, f"user#{userid}", "head", head) for userid, head in (heads or {}).items()]
    for user in users:
        effects.append(fx.PutState("user", user["id"], dict(user, state="deleted")))
        effects.append(fx.DeleteState("username", f"{user['domainid']}/{user['username'].lower()}"))
        if user.get("apikey"):
            effects.append(fx.DeleteState("apikey", user["apikey"]))
    append(f"account#{account['id']}", ev.ACCOUNT_DELETED, {"id": account["id"]}, actor, effects, also)


def _key_row(user: Mapping[str, Any], secret: str) -> dict[str, Any]:
    return {"secret": secret, "userid": user["id"], "username": user["username"], "accountid": user["accountid"],
            "account": user["account"], "accounttype": int(user["accounttype"]), "domainid": user["domainid"],
            "domain": user["domain"], "state": user["state"]}


def within(domain: Mapping[str, Any] | None, ancestor_id: str) -> bool:
    """Is `domain` the domain `ancestor_id` or below it? Decided by ids up the parent chain, never by names."""
    for _ in range(64):  # domains nest a few levels; the bound only guards against a corrupt cycle
        if domain is None:
            return False
        if domain["id"] == ancestor_id:
            return True
        parent = domain.get("parentdomainid")
        row = statetable.get("domain", parent) if parent else None
        domain = row.as_dict() if row is not None else None
    return False


def owner_in_reach(caller: acc.Caller, accountid: str) -> bool:
    """May a domain admin see what account `accountid` owns? Only a non-root-admin account in its subtree."""
    row = statetable.get("account", accountid) if accountid else None
    account = row.as_dict() if row is not None else None
    if account is None or int(account.get("accounttype", acc.USER)) == acc.ROOT_ADMIN:
        return False
    domain = statetable.get("domain", account["domainid"])
    return within(domain.as_dict() if domain is not None else None, caller.domainid)


def can_see(caller: acc.Caller, owned: Mapping[str, Any]) -> bool:
    """tenancy's rule, with the owner's account and domains read from the table (domain admins only)."""
    return tenancy.can_see(caller, owned, lambda accountid: owner_in_reach(caller, accountid))


def list_scope(caller: acc.Caller, listall: bool) -> tuple[statetable.Scope, tuple[str, ...]]:
    """Where a caller's list reads and whose rows it hides: its own account; `listall` widens it to the domain
    (domain admin, less what root admins own there) or everything (root admin)."""
    if listall and caller.accounttype == acc.ROOT_ADMIN:
        return statetable.Scope("all"), ()
    if listall and caller.accounttype == acc.DOMAIN_ADMIN:
        roots = tuple(a for a in root_admin_accounts(caller.domainid) if a != caller.accountid)
        return statetable.Scope("domain", caller.domainid), roots
    return statetable.Scope("owner", caller.accountid), ()


def root_admin_accounts(domainid: str) -> list[str]:
    """Ids of the root admin accounts in a domain (what a domain admin's lists leave out)."""
    rows = statetable.list_rows("account", statetable.Scope("domain", domainid))
    return [r.as_dict()["id"] for r in rows if int(r.as_dict().get("accounttype", acc.USER)) == acc.ROOT_ADMIN]


def users_of(accountid: str) -> list[dict[str, Any]]:
    return [r.as_dict() for r in statetable.list_rows("user", statetable.Scope("owner", accountid))]


def account_users(accountid: str) -> tuple[list[dict[str, Any]], dict[str, str | None]]:
    """An account's listed users read by key after their streams' heads (what `delete_account` requires
    unchanged): a user changed after its head was read fails the deletion's commit instead of being written
    over."""
    ids = [u["id"] for u in users_of(accountid)]
    rows = statetable.fetch([row_key(HEAD_KIND, f"user#{i}") for i in ids], ["pk", "head"])
    heads = {i: rows[row_key(HEAD_KIND, f"user#{i}")].head if row_key(HEAD_KIND, f"user#{i}") in rows else None
             for i in ids}
    fresh = statetable.get_many([("user", i) for i in ids])
    users = [fresh[("user", i)].as_dict() for i in ids if ("user", i) in fresh]
    return [u for u in users if u.get("state") != "deleted"], heads


def ensure_bootstrap(apikey: str | None, secret: str | None) -> tuple[str, str, bool] | None:
    """ROOT domain, account `admin` (2) and its user (2) on first start, and the admin's key pair.

    Given keys are registered unless already in place; with none given and none registered, a pair is made.
    Answers (key, secret, made_now), or None when the admin already has keys and none were given.
    """
    root = statetable.get("domain", acc.ROOT_DOMAIN_ID)
    domain = root.as_dict() if root else create_domain("ROOT", None, SYSTEM, acc.ROOT_DOMAIN_ID)
    user_row = statetable.get("user", acc.ADMIN_USER_ID)
    account_row = statetable.get("account", acc.ADMIN_ACCOUNT_ID)
    if account_row is None:
        _, user = create_account("admin", acc.ROOT_ADMIN, domain, {"username": "admin"}, SYSTEM,
                                 (acc.ADMIN_ACCOUNT_ID, acc.ADMIN_USER_ID))
    elif user_row is None:  # a first start that stopped half-way
        user = create_user(account_row.as_dict(), {"username": "admin"}, SYSTEM, acc.ADMIN_USER_ID)
    else:
        user = user_row.as_dict()
    if apikey and secret:
        key = statetable.get("apikey", apikey)
        if key is None or key.as_dict().get("secret") != secret or key.as_dict().get("userid") != user["id"]:
            register_keys(user, SYSTEM, apikey, secret)
        return apikey, secret, False
    if user.get("apikey"):
        return None
    made = register_keys(user, SYSTEM)
    return made[0], made[1], True

"""Who may see what: an account sees its own; a domain admin what non-root-admin accounts own in its domain and
below; the root admin everything. One rule for VM commands, job queries and lists. Pure."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from chalicelib.core.accounts import DOMAIN_ADMIN, ROOT_ADMIN, Caller


def can_see(caller: Caller, owned: Mapping[str, Any], in_reach: Callable[[str], bool]) -> bool:
    """`owned` is any row that records `accountid` (a VM, a job); `in_reach(accountid)` answers whether that
    account is a non-root-admin account in the caller's domain subtree (asked of domain admins only)."""
    if caller.accounttype == ROOT_ADMIN:
        return True
    if owned.get("accountid") == caller.accountid:
        return True
    return caller.accounttype == DOMAIN_ADMIN and bool(owned.get("accountid")) and in_reach(str(owned["accountid"]))

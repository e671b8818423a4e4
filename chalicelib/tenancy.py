"""Who may see what: an account sees its own, a domain admin its domain, the root admin everything. Pure."""
from __future__ import annotations

from typing import Any, Mapping

from chalicelib.accounts import DOMAIN_ADMIN, ROOT_ADMIN, Caller


def can_see(caller: Caller, owned: Mapping[str, Any]) -> bool:
    """`owned` is any row that records `accountid` and `domainid` (a VM, a job)."""
    if caller.accounttype == ROOT_ADMIN:
        return True
    if caller.accounttype == DOMAIN_ADMIN:
        return owned.get("domainid") == caller.domainid
    return owned.get("accountid") == caller.accountid

"""Who acts: the caller's account, domain and user. Pure."""
from __future__ import annotations

from dataclasses import dataclass

ROOT_ADMIN, DOMAIN_ADMIN, USER = 1, 2, 0


@dataclass(frozen=True)
class Caller:
    accountid: str
    account: str
    domainid: str
    domain: str
    userid: str
    username: str
    accounttype: int = ROOT_ADMIN

    def actor(self, request_id: str = "") -> dict[str, str]:
        """How an event records who caused it."""
        out = {"accountid": self.accountid, "userid": self.userid, "domainid": self.domainid}
        if request_id:
            out["request"] = request_id
        return out


# The bootstrap root admin of CloudStack: account `admin` (id 2) in domain ROOT (id 1).
ADMIN = Caller(accountid="2", account="admin", domainid="1", domain="ROOT", userid="2", username="admin")

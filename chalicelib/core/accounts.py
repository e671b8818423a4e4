"""Who acts: domains, accounts, users and their key pairs as data, and how responses show them. Pure."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, Mapping

from chalicelib.core.dates import cloudstack_date

USER, ROOT_ADMIN, DOMAIN_ADMIN = 0, 1, 2
ACCOUNT_TYPES = (USER, ROOT_ADMIN, DOMAIN_ADMIN)
ROOT_DOMAIN_ID, ADMIN_ACCOUNT_ID, ADMIN_USER_ID = "1", "2", "2"
PBKDF2_ROUNDS = 120_000


@dataclass(frozen=True)
class Caller:
    accountid: str
    account: str
    domainid: str
    domain: str
    userid: str
    username: str
    accounttype: int = ROOT_ADMIN
    apikey: str | None = None  # the key the request was signed with (None: the local stack's unsigned admin)

    def actor(self, request_id: str = "") -> dict[str, str]:
        """How an event records who caused it."""
        out = {"accountid": self.accountid, "userid": self.userid, "domainid": self.domainid}
        if request_id:
            out["request"] = request_id
        return out


# The bootstrap root admin of CloudStack: account `admin` (id 2) in domain ROOT (id 1).
ADMIN = Caller(accountid=ADMIN_ACCOUNT_ID, account="admin", domainid=ROOT_DOMAIN_ID, domain="ROOT",
               userid=ADMIN_USER_ID, username="admin")


def caller_of(key_row: Mapping[str, Any], apikey: str | None = None) -> Caller:
    """The caller a key row names (the row carries copies of the user's identity)."""
    return Caller(accountid=key_row["accountid"], account=key_row["account"], domainid=key_row["domainid"],
                  domain=key_row["domain"], userid=key_row["userid"], username=key_row["username"],
                  accounttype=int(key_row["accounttype"]), apikey=apikey)


def new_key_pair() -> tuple[str, str]:
    """An API key and secret in CloudStack's style: 86 URL-safe characters each, never starting with `-`
    (a key that looks like an option breaks command lines: `sign --key -abc…`)."""
    return _token(), _token()


def _token() -> str:
    while True:
        token = secrets.token_urlsafe(64)
        if not token.startswith("-"):
            return token


def secret_digest(secret: str) -> str:
    """What an event may record of a secret: enough to check it, nothing to use it."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def hash_password(password: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), bytes.fromhex(salt), PBKDF2_ROUNDS)
    return f"pbkdf2_sha256${PBKDF2_ROUNDS}${salt}${digest.hex()}"


DOMAIN_FIELDS = ("id", "name", "level", "parentdomainid", "parentdomainname", "haschild", "path")
ACCOUNT_FIELDS = ("id", "name", "accounttype", "domainid", "domain", "state", "user")
USER_FIELDS = ("id", "username", "firstname", "lastname", "email", "created", "state", "account",
               "accounttype", "accountid", "domainid", "domain")


def view(row: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """A directory row as the wire shows it: listed fields in order, dates in CloudStack's form, secrets never."""
    out = {f: row[f] for f in fields if row.get(f) is not None}
    if "created" in out:
        out["created"] = cloudstack_date(out["created"])
    return out

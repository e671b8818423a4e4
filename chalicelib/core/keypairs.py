"""SSH key pairs: a public key checked and fingerprinted as CloudStack does (MD5 of the key blob, colon hex),
the key pair's document and its rows. A private key is never part of any of them. Pure."""
from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from typing import Any, Mapping

from chalicelib.core import effects as fx
from chalicelib.core.rows import sort_key

KEY_TYPES = ("ssh-rsa", "ssh-dss", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
             "ecdsa-sha2-nistp521")
MAX_PUBLIC_KEY = 16384
MAX_NAME = 255
FIELDS = ("name", "fingerprint", "account", "domainid", "domain")


def valid_name(name: str) -> bool:
    return 0 < len(name) <= MAX_NAME and name.isprintable() and name.strip() == name


def key_blob(public_key: str) -> tuple[str, bytes] | None:
    """`<type> <base64 blob> [comment]` → (type, blob) when the blob is well formed and names that type."""
    if len(public_key) > MAX_PUBLIC_KEY:
        return None
    parts = public_key.strip().split()
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        return None
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(blob) < 4:
        return None
    (length,) = struct.unpack(">I", blob[:4])
    if blob[4:4 + length] != parts[0].encode("ascii") or len(blob) < 4 + length + 4:
        return None
    return parts[0], blob


def fingerprint(blob: bytes) -> str:
    """CloudStack's fingerprint: the MD5 of the decoded key blob, lowercase hex pairs joined by colons."""
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def row_id(accountid: str, name: str) -> str:
    return f"{accountid}#{name}"


def document(keypairid: str, name: str, public_key: str, fp: str, owner: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": keypairid, "name": name, "fingerprint": fp, "publickey": public_key.strip(),
            "accountid": owner["accountid"], "account": owner["account"], "domainid": owner["domainid"],
            "domain": owner["domain"], "version": 1}


def register_effects(doc: Mapping[str, Any]) -> list[fx.Effect]:
    """The key pair's row, only if the account has no pair of that name (version 1: the row must be absent)."""
    key = row_id(doc["accountid"], doc["name"])
    listed = {"sort": sort_key("sshkeypair", key), "owner": doc["accountid"], "domainid": doc["domainid"]}
    return [fx.PutVersioned("sshkeypair", key, dict(doc), listed)]


def delete_effects(doc: Mapping[str, Any]) -> list[fx.Effect]:
    return [fx.DropVersioned("sshkeypair", row_id(doc["accountid"], doc["name"]), int(doc["version"]))]


def view(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {k: doc[k] for k in FIELDS if doc.get(k) is not None}


MAX_KEYPAIRS = 10


def names(params: Mapping[str, str]) -> list[str]:
    """The key pairs a request names: `keypair` (one name, commas and all), else each distinct name of
    `keypairs`, in order."""
    if params.get("keypair"):
        return [params["keypair"]]
    return list(dict.fromkeys(n.strip() for n in (params.get("keypairs") or "").split(",") if n.strip()))


def named(params: Mapping[str, str]) -> str | None:
    """What a VM records of the key pairs a checked request names: their names joined by commas."""
    return ",".join(names(params)) or None

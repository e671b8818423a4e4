"""User data: base64 the client sends with deployVirtualMachine or updateVirtualMachine. Pure.

The log never holds it (it often carries secrets: cloud-init passwords, tokens): events carry its size and
SHA-256 digest only. The bytes live in a content-addressed state row (`userdata`, digest), which
getVirtualMachineUserData reads through the VM's digest and the audit checks against the digests the log
recorded (a row is its content's digest, so an edited row is found without the log holding the secret).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from chalicelib.core import effects as fx
from chalicelib.core.errors import CS_INVALID_PARAMETER_VALUE, ApiError

GET_LIMIT, POST_LIMIT = 2048, 32768  # CloudStack's limits on the decoded bytes
KIND = "userdata"


@dataclass(frozen=True)
class UserData:
    encoded: str  # canonical base64 of the bytes (what getVirtualMachineUserData answers)
    size: int
    digest: str  # SHA-256 of the bytes, hex: the row's id

    def fields(self) -> dict[str, object]:
        """What a VM document and a job's JobSubmitted event carry instead of the data."""
        return {"userdatabytes": self.size, "userdatadigest": self.digest}

    def row(self) -> fx.PutState:
        return fx.PutState(KIND, self.digest, {"userdata": self.encoded})


def checked(raw: str, post: bool) -> UserData:
    """Base64 user data, at most 2 KB by GET and 32 KB by POST once decoded; 431 otherwise. As CloudStack's
    decoder (commons-codec) takes it: the standard or the URL-safe alphabet, padding optional."""
    decoded = _decoded(raw)
    if decoded is None:
        raise ApiError(431, "User data is not base64 encoded", CS_INVALID_PARAMETER_VALUE)
    if len(decoded) > (POST_LIMIT if post else GET_LIMIT):
        text = "User data is too long for POST request" if post else "User data is too long for an http GET request"
        raise ApiError(431, text, CS_INVALID_PARAMETER_VALUE)
    return UserData(base64.b64encode(decoded).decode("ascii"), len(decoded), digest_of(decoded))


def _decoded(raw: str) -> bytes | None:
    text = raw.rstrip("=")
    if not text.isascii() or len(text) % 4 == 1 or ("-" in text or "_" in text) and ("+" in text or "/" in text):
        return None
    try:
        return base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def digest_of(decoded: bytes) -> str:
    return hashlib.sha256(decoded).hexdigest()


def row_matches(digest: str, encoded: object) -> bool:
    """A stored row holds the bytes its id is the digest of."""
    if not isinstance(encoded, str):
        return False
    try:
        return digest_of(base64.b64decode(encoded, validate=True)) == digest
    except (binascii.Error, ValueError):
        return False

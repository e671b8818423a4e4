"""CloudStack request signing: the canonical string, the documented client variants, HMAC-SHA1. Pure.

The canonical string is CloudStack's own (ApiServer.verifyRequest). Real clients deviate in documented ways
(docs/SECURITY.md); a signature over the canonical string or one of those variants is accepted,
nothing else.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime, timedelta, timezone
from typing import Iterable, Sequence

_JAVA_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-*_")
Pairs = Sequence[tuple[str, str]]


def encode(value: str, literal: bytes = b"", escaped: bytes = b"") -> str:
    """Java's URLEncoder.encode(value, "UTF-8") with `+` as `%20`; `literal` bytes are left as they are,
    `escaped` bytes are percent-encoded although Java would not."""
    safe = (_JAVA_SAFE | frozenset(literal)) - frozenset(escaped)
    return "".join(chr(b) if b in safe else f"%{b:02X}" for b in value.encode("utf-8"))


def string_to_sign(pairs: Pairs, *, lowercase_sort: bool = False, literal: bytes = b"",
                   escaped: bytes = b"") -> str:
    """`name=ENC(value)` joined by `&`, sorted by name, lowercased; `signature` (any case) left out."""
    signed = [(n, v) for n, v in pairs if n.lower() != "signature"]
    signed.sort(key=lambda p: p[0].lower() if lowercase_sort else p[0])
    return "&".join(f"{n}={encode(v, literal, escaped)}" for n, v in signed).lower()


# (sort by lowercased name, characters left unescaped, characters escaped): CloudStack itself, then the
# documented clients, and nothing else.
VARIANTS = (
    (False, b"", b""),      # CloudStack's canonical string
    (False, b"~", b""),     # cs: leaves ~ unescaped
    (True, b"[]~", b""),    # libcloud: sorts lowercased names, leaves [ ] ~ unescaped
    (True, b"", b"*"),      # CloudMonkey (Python 2 quote_plus): sorts lowercased names, escapes *
)


def sign(text: str, secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signed(pairs: Pairs, apikey: str, secret: str) -> list[tuple[str, str]]:
    """`pairs` as a client sends them: with `apiKey`, and the signature over CloudStack's canonical string."""
    out = [*pairs, ("apiKey", apikey)]
    return [*out, ("signature", sign(string_to_sign(out), secret))]


def candidates(pairs: Pairs) -> Iterable[str]:
    seen = set()
    for lowercase_sort, literal, escaped in VARIANTS:
        text = string_to_sign(pairs, lowercase_sort=lowercase_sort, literal=literal, escaped=escaped)
        if text not in seen:
            seen.add(text)
            yield text


def verify(pairs: Pairs, secret: str, signature: str) -> bool:
    """Constant-time comparison against every accepted string to sign."""
    given = signature.replace(" ", "+").encode("ascii", "replace")  # an unencoded `+` arrives as a space
    ok = False
    for text in candidates(pairs):
        ok |= hmac.compare_digest(sign(text, secret).encode("ascii"), given)
    return ok


_LEGACY = re.compile(r"^(.*)Z([+-]\d{4})$")


def parse_expires(value: str) -> datetime | None:
    """ISO-8601 with an offset (`+0000`, `+00:00`, `Z`, legacy `…Z+0530`); None when it is not one."""
    legacy = _LEGACY.match(value)
    if legacy:
        value = legacy.group(1) + legacy.group(2)
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


DEFAULT_MAX_AHEAD = timedelta(hours=1)


def expired(pairs: Pairs, now: datetime | None = None, max_ahead: timedelta = DEFAULT_MAX_AHEAD) -> bool:
    """With signatureVersion=3, `expires` is required and must lie in the future, at most `max_ahead` from now
    (a signature valid for years would be a password in every log it reaches); without it, it is ignored."""
    params = {n.lower(): v for n, v in reversed(pairs)}
    if params.get("signatureversion") != "3":
        return False
    moment = parse_expires(params.get("expires", ""))
    now = now or datetime.now(timezone.utc)
    return moment is None or moment <= now or moment > now + max_ahead

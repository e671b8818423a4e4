"""`sign`: print a signed request URL, for curl sessions (keys from the environment or the options)."""
from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from chalicelib import settings
from chalicelib.cloudstack import signing


def add_parser(sub: Any) -> None:
    sign = sub.add_parser("sign", help="print a signed URL for name=value parameters")
    sign.add_argument("parameters", nargs="+", help="name=value, e.g. command=listZones")
    sign.add_argument("--url", default="http://127.0.0.1:8080/client/api")
    sign.add_argument("--key", help="API key (default: CLOUDSTACK_KEY or JOBLEDGER_ADMIN_API_KEY)")
    sign.add_argument("--secret", help="secret key (default: CLOUDSTACK_SECRET or JOBLEDGER_ADMIN_SECRET_KEY)")
    sign.add_argument("--expires", type=int, default=600, help="seconds the signature is valid (signatureVersion 3)")
    sign.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    key, secret = settings.client_keys(args.key, args.secret)
    if not key or not secret:
        print("sign: no key pair: pass --key/--secret or set CLOUDSTACK_KEY/CLOUDSTACK_SECRET")
        return 2
    print(signed_url(args.url, [tuple(p.split("=", 1)) for p in args.parameters], key, secret, args.expires))
    return 0


def signed_url(url: str, pairs: list[Any], key: str, secret: str, expires_in: int = 600) -> str:
    expires = (datetime.now(timezone.utc) + timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%S%z")
    pairs = signing.signed([*pairs, ("signatureVersion", "3"), ("expires", expires)], key, secret)
    return url + "?" + "&".join(f"{n}={quote(v, safe='')}" for n, v in pairs)

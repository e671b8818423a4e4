"""`sign`: print a signed request URL, for curl sessions (keys from the environment or the options).
Only the URL goes to stdout: a mistake is one line on stderr, so `curl "$(… sign …)"` never requests an error text."""
from __future__ import annotations

import argparse
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote

from chalicelib import settings
from chalicelib.cloudstack import signing
from jobledger.cli.target import CliError

DEFAULT_URL = "http://127.0.0.1:8080/client/api"


def add_parser(sub: Any) -> None:
    sign = sub.add_parser("sign", help="print a signed URL for name=value parameters",
                          formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    sign.add_argument("parameters", nargs="+", help="name=value, e.g. command=listZones")
    sign.add_argument("--url", help=f"the API's URL (default: CLOUDSTACK_ENDPOINT, else {DEFAULT_URL})")
    sign.add_argument("--key", help="API key (default: CLOUDSTACK_KEY or JOBLEDGER_ADMIN_API_KEY)")
    sign.add_argument("--secret", help="secret key (default: CLOUDSTACK_SECRET or JOBLEDGER_ADMIN_SECRET_KEY)")
    sign.add_argument("--expires", type=int, default=600, help="seconds the signature is valid (signatureVersion 3)")
    sign.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    url = settings.client_endpoint(args.url, DEFAULT_URL)
    print(signed_url(url, parse_pairs(args.parameters), *key_pair(args.key, args.secret), args.expires))
    return 0


def key_pair(key: str | None, secret: str | None) -> tuple[str, str]:
    key, secret = settings.client_keys(key, secret)
    if not key or not secret:
        raise CliError("no key pair: pass --key/--secret or set CLOUDSTACK_KEY/CLOUDSTACK_SECRET")
    return key, secret


def parse_pairs(parameters: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for parameter in parameters:
        name, eq, value = parameter.partition("=")
        if not eq or not name:
            raise CliError(f"{parameter!r} is not name=value (e.g. command=listZones; an empty value is name=)")
        pairs.append((name, value))
    return pairs


def signed_url(url: str, pairs: list[Any], key: str, secret: str, expires_in: int = 600) -> str:
    expires = (datetime.now(timezone.utc) + timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%S%z")
    pairs = signing.signed([*pairs, ("signatureVersion", "3"), ("expires", expires)], key, secret)
    return url + "?" + "&".join(f"{n}={quote(v, safe='')}" for n, v in pairs)

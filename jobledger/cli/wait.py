"""`wait`: poll a job with signed queryAsyncJobResult requests until it ends, its state on a progress line
(stderr); the outcome is one line on stdout (`--json`: the whole answer). Exit 0 succeeded, 1 failed."""
from __future__ import annotations

import argparse
import http.client
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

from jobledger.cli.sign import DEFAULT_URL, signed_url
from jobledger.cli.target import CliError
from jobledger.progress import Progress


def add_parser(sub: Any) -> None:
    wait = sub.add_parser("wait", help="wait for a job to finish, showing its progress",
                          formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    wait.add_argument("jobid")
    wait.add_argument("--url", help=f"the API's URL (default: CLOUDSTACK_ENDPOINT, else {DEFAULT_URL})")
    wait.add_argument("--key", help="API key (default: CLOUDSTACK_KEY or JOBLEDGER_ADMIN_API_KEY)")
    wait.add_argument("--secret", help="secret key (default: CLOUDSTACK_SECRET or JOBLEDGER_ADMIN_SECRET_KEY)")
    wait.add_argument("--timeout", type=float, default=600.0, help="seconds to wait before giving up (exit 3)")
    wait.add_argument("--every", type=float, default=0.25, help="seconds between polls")
    wait.add_argument("--json", action="store_true", help="print the final queryAsyncJobResult answer")
    wait.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chalicelib import settings

    key, secret = settings.client_keys(args.key, args.secret)  # none: unsigned (a stack with --allow-unsigned)
    url = settings.client_endpoint(args.url, DEFAULT_URL)
    progress = Progress(f"job {args.jobid}")
    deadline = time.monotonic() + args.timeout
    while True:
        answer = query_again_if_reset(url, args.jobid, key, secret)
        if answer.get("jobstatus", 0) != 0:
            break
        progress.show(f"pending (jobprocstatus {answer.get('jobprocstatus', 0)})")
        if time.monotonic() >= deadline:
            progress.clear()
            raise CliError(f"job {args.jobid} still pending after {args.timeout:g} s")
        time.sleep(args.every)
    progress.clear()
    print(json.dumps({"queryasyncjobresultresponse": answer}, indent=1) if args.json else
          f"job {args.jobid}: {outcome(answer)}")
    return 0 if answer["jobstatus"] == 1 else 1


def query_again_if_reset(url: str, jobid: str, key: str | None, secret: str | None,
                         tries: int = 5) -> dict[str, Any]:
    """A server that restarts (`chalice local` reloads on every file change) drops connections: ask again."""
    for _ in range(tries):
        try:
            return query(url, jobid, key, secret)
        except (ConnectionResetError, http.client.RemoteDisconnected):
            time.sleep(1)
    raise CliError(f"{url} dropped the connection {tries} times in a row")


def query(url: str, jobid: str, key: str | None, secret: str | None) -> dict[str, Any]:
    pairs = [("command", "queryAsyncJobResult"), ("jobid", jobid), ("response", "json")]
    request = signed_url(url, pairs, key, secret) if key and secret else url + "?" + urlencode(pairs)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return dict(json.load(reply)["queryasyncjobresultresponse"])
    except urllib.error.HTTPError as exc:
        hint = "" if key else " (no key pair given: set CLOUDSTACK_KEY/CLOUDSTACK_SECRET, or pass --key/--secret)"
        raise CliError(f"{url} answered {exc.code}: {exc.headers.get('X-Description') or exc.reason}{hint}") from None
    except urllib.error.URLError as exc:  # refused, unknown host: the stack is not there
        raise CliError(f"nothing answers at {url} ({exc.reason}): is the stack running (`make run`)?") from None
    except (ValueError, KeyError):
        raise CliError(f"{url} is not a CloudStack API (no queryasyncjobresultresponse)") from None


def outcome(answer: dict[str, Any]) -> str:
    """`succeeded: virtualmachine 100 Running` or `failed 551: Unable to deploy …`."""
    result = answer.get("jobresult") or {}
    if answer.get("jobstatus") == 2:
        return f"failed {answer.get('jobresultcode')}: {result.get('errortext', result)}"
    for kind, item in result.items():
        if isinstance(item, dict):
            return f"succeeded: {kind} {item.get('id', '')} {item.get('state', '')}".rstrip()
    return "succeeded"

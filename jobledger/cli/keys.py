"""`keys`: accounts, users and API key pairs from the command line (AWS, or the local stack's emulator)."""
from __future__ import annotations

import argparse
import json
from typing import Any

from jobledger.cli.target import add_target_arguments, apply_target, operator_actor

TYPES = {"user": 0, "root-admin": 1, "domain-admin": 2}


def add_parser(sub: Any) -> None:
    keys = sub.add_parser("keys", help="create accounts, users and key pairs; disable, enable, rotate")
    actions = keys.add_subparsers(dest="action", required=True)
    bootstrap = actions.add_parser("bootstrap", help="ROOT domain, the admin account and its key pair")
    account = actions.add_parser("create-account", help="an account and its first user")
    account.add_argument("--name", help="account name (default: the username)")
    account.add_argument("--type", choices=sorted(TYPES), default="user")
    account.add_argument("--domain-id", default="1")
    user = actions.add_parser("create-user", help="another user of an account")
    user.add_argument("--account-id", required=True)
    for parser in (account, user):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--firstname", default="")
        parser.add_argument("--lastname", default="")
    register = actions.add_parser("register", help="a new key pair for a user (rotates: the old one stops working)")
    disable = actions.add_parser("disable", help="disable a user: its keys stop working")
    enable = actions.add_parser("enable", help="enable a user again")
    for parser in (register, disable, enable):
        parser.add_argument("--user-id", required=True)
    for parser in (bootstrap, account, user, register, disable, enable):
        add_target_arguments(parser)
        parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    apply_target(args)
    from chalicelib import settings
    from chalicelib.aws import directory, statetable

    actor = operator_actor("jobledger keys")
    if args.action == "bootstrap":
        return bootstrap(settings.load(), directory, statetable)
    if args.action == "create-account":
        domain = _row(statetable, "domain", args.domain_id)
        account, user = directory.create_account(args.name or args.username, TYPES[args.type], domain,
                                                 _user_fields(args), actor)
        out: dict[str, Any] = {"account": account, "user": user}
    elif args.action == "create-user":
        out = {"user": directory.create_user(_row(statetable, "account", args.account_id), _user_fields(args), actor)}
    elif args.action == "register":
        apikey, secret = directory.register_keys(_row(statetable, "user", args.user_id), actor)
        out = {"userid": args.user_id, "apikey": apikey, "secretkey": secret}
    else:
        user = directory.set_user_state(_row(statetable, "user", args.user_id), args.action == "enable", actor)
        out = {"user": {k: user[k] for k in ("id", "username", "state")}}
    print(json.dumps(out, indent=2))
    return 0


def bootstrap(config: Any, directory: Any, statetable: Any) -> int:
    """ROOT domain, account `admin` and its key pair, saying which of them this run created."""
    before = {kind: statetable.get(kind, id_) is not None for kind, id_ in (("domain", "1"), ("account", "2"))}
    made = directory.ensure_bootstrap(config.admin_api_key, config.admin_secret_key)
    created = [what for what, existed in (("domain ROOT (id 1)", before["domain"]),
                                          ("account admin (id 2) with user admin (id 2)", before["account"]))
               if not existed]
    print(f"bootstrap: created {' and '.join(created)}" if created else
          "bootstrap: domain ROOT and account admin already exist")
    if made is None:
        print("bootstrap: the admin's key pair is unchanged (set JOBLEDGER_ADMIN_API_KEY and "
              "JOBLEDGER_ADMIN_SECRET_KEY to register another)")
    elif made[2]:
        print("bootstrap: made the admin's key pair; it is shown once, keep it:")
        print(json.dumps({"apikey": made[0], "secretkey": made[1]}, indent=2))
    else:
        print(f"bootstrap: the admin's key pair is the one given in JOBLEDGER_ADMIN_API_KEY ({made[0]})")
    return 0


def _user_fields(args: argparse.Namespace) -> dict[str, str]:
    return {k: getattr(args, k) for k in ("username", "password", "email", "firstname", "lastname")}


def _row(table: Any, kind: str, id_: str) -> dict[str, Any]:
    row = table.get(kind, id_)
    if row is None or row.as_dict().get("state") == "deleted":  # a deleted user or account stays deleted
        raise SystemExit(f"keys: no {kind} with id {id_}")
    return row.as_dict()

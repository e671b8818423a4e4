"""`audit`: replay the event log and compare it with the state table, verify its integrity, show a job's
history, export it and import it (against AWS, or the local stack's emulator with --endpoint-url).
Reports go to stdout, progress to stderr; the exit status is 1 when anything is wrong.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from jobledger.target import add_target_arguments, apply_target


def add_parser(sub: Any) -> None:
    audit = sub.add_parser("audit", help="replay and verify the event log, show a job's history, export, import")
    actions = audit.add_subparsers(dest="action", required=True)
    replay = actions.add_parser("replay", help="rebuild the state from the log alone and compare it with the "
                                               "state table and the API's answers")
    replay.add_argument("--as-of", help="replay only up to this instant (e.g. 2026-11-27T10:00:00Z): each job's "
                                        "status and each host's capacity then; nothing is compared")
    verify = actions.add_parser("verify", help="check every stream: seqs contiguous from 1, hash chain, legal "
                                               "transitions, known schema versions")
    verify.add_argument("--strict", action="store_true", help="weak links (sealed, not chained) fail too")
    history = actions.add_parser("history", help="a job's events as a timeline")
    history.add_argument("jobid")
    export = actions.add_parser("export", help="the log as JSON Lines, one event per line")
    export.add_argument("file", nargs="?", default="-", help="where to write (default: stdout)")
    imported = actions.add_parser("import", help="load an exported log into empty tables, rebuilding the state")
    imported.add_argument("file")
    for parser in (export, imported):
        parser.add_argument("--secrets", help="key secrets and password hashes file (never in the log; mode 600)")
    for parser in (replay, verify, history):
        parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    for parser in (replay, verify, export):
        parser.add_argument("--segments", type=int, default=4, help="parallel Scan segments (default 4)")
    for parser in (replay, verify, history, export, imported):
        add_target_arguments(parser)
        parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    apply_target(args)  # before any AWS client exists
    return int(ACTIONS[args.action](args))


def replay(args: argparse.Namespace) -> int:
    from chalicelib import audit, audit_text, logreader
    from chalicelib.audit_replay import as_of_instant

    as_of = as_of_instant(args.as_of) if args.as_of else None
    rows = None if as_of else logreader.read_state(args.segments, logreader.Progress("state rows"))
    stored = logreader.read_log(args.segments, logreader.Progress("events"))
    result = audit.audit(stored, rows, as_of)
    if args.json:
        _print_json(audit.report(result))
    else:
        print(audit_text.as_of_text(result) if as_of else audit_text.replay_text(result))
    return 0 if result.clean else 1


def verify(args: argparse.Namespace) -> int:
    from chalicelib import audit, audit_text, logreader

    verified = audit.verify(logreader.read_log(args.segments, logreader.Progress("events")))
    if args.json:
        _print_json({"events": verified.events, "streams": len(verified.streams),
                     "problems": [vars(p) for p in verified.problems],
                     "warnings": [vars(p) for p in verified.warnings]})
    else:
        print(audit_text.verify_text(verified))
    return 1 if verified.problems or (args.strict and verified.warnings) else 0


def history(args: argparse.Namespace) -> int:
    from chalicelib import audit_history, logreader
    from chalicelib.events import job_stream

    stored = logreader.read_stream(job_stream(args.jobid)) if args.jobid.isdigit() else []
    if not stored:
        print(f"history: no job {args.jobid} in the log", file=sys.stderr)
        return 1
    h = audit_history.history(args.jobid, stored)
    if args.json:
        _print_json(h)
    else:
        print(audit_history.history_text(h))
    return 0 if h["integrity"] == "intact" else 1


def export(args: argparse.Namespace) -> int:
    from chalicelib import audit_restore, logreader

    progress = logreader.Progress("events")
    if args.file == "-":
        count = audit_restore.export_log(sys.stdout, args.segments, progress)
    else:
        with open(args.file, "w", encoding="utf-8") as out:
            count = audit_restore.export_log(out, args.segments, progress)
    if args.secrets:
        audit_restore.write_secrets_file(args.secrets, audit_restore.read_secrets())
    print(f"exported {count:,} events" + (f" to {args.file}" if args.file != "-" else ""), file=sys.stderr)
    return 0


def import_(args: argparse.Namespace) -> int:
    from chalicelib import audit_restore

    secrets = audit_restore.read_secrets_file(args.secrets) if args.secrets else None
    try:
        with open(args.file, encoding="utf-8") as lines:
            done = audit_restore.import_log(lines, secrets)
    except audit_restore.ImportRefused as exc:
        print(f"import refused: {exc}", file=sys.stderr)
        return 1
    print(f"imported {done.events:,} events in {done.streams:,} streams; rebuilt {done.rows:,} state rows")
    print("counters: " + ", ".join(f"{k}={v}" for k, v in sorted(done.counters.items())))
    if done.unfinished:
        print(f"unfinished jobs: {', '.join(done.unfinished)} (their messages are not in the log: the sweeper "
              "sends them again)")
    if done.keys_without_secret:
        print(f"api keys left out, their secret was not given: {len(done.keys_without_secret)}")
    return 0


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=1, ensure_ascii=False, default=_json_default))


def _json_default(value: Any) -> Any:
    return sorted(value) if isinstance(value, (set, frozenset)) else str(value)


ACTIONS = {"replay": replay, "verify": verify, "history": history, "export": export, "import": import_}

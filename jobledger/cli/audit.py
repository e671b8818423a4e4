"""`audit`: replay the event log and compare it with the state table, verify its integrity and completeness
(against a seal), seal it, show a job's history, export and import it (against AWS, or the local stack's
emulator with --endpoint-url).
Reports go to stdout, progress to stderr; the exit status is 1 when anything is wrong.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timedelta, timezone
from typing import Any

from jobledger.cli.target import add_target_arguments, apply_target


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
    verify.add_argument("--against", metavar="SEAL", help="a seal file (`audit seal --out`), or a digest as "
                                                          "DIGEST@CUT (or DIGEST alone): prove every stream the "
                                                          "seal saw still holds its sealed head")
    seal = actions.add_parser("seal", help="one digest over every stream's head (a Merkle root), as of a cut a "
                                           "little in the past; refused unless the log verifies")
    seal.add_argument("--out", metavar="FILE", help="write the seal (digest, cut, every head) to FILE")
    seal.add_argument("--settle", type=float, default=300.0,
                      help="seconds before now to cut at, so that no event stamped before the cut is still in "
                           "flight (default 300; 0 on a quiet stack)")
    history = actions.add_parser("history", help="a job's events as a timeline")
    history.add_argument("jobid")
    export = actions.add_parser("export", help="the log as JSON Lines, one event per line")
    export.add_argument("file", nargs="?", default="-", help="where to write (default: stdout)")
    imported = actions.add_parser("import", help="load an exported log into empty tables, rebuilding the state")
    imported.add_argument("file")
    rebuilt = actions.add_parser("rebuild-state", help="rebuild an empty state table from the events table alone "
                                                       "(a new key layout: docs/DEPLOY.md)")
    for parser in (export, imported, rebuilt):
        parser.add_argument("--secrets", help="key secrets and password hashes file (never in the log; mode 600)")
    for parser in (replay, verify, seal, history):
        parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    for parser in (replay, verify, seal, export, rebuilt):
        parser.add_argument("--segments", type=int, default=4, help="parallel Scan segments (default 4)")
    for parser in (replay, verify, seal, history, export, imported, rebuilt):
        add_target_arguments(parser)
        parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    apply_target(args)  # before any AWS client exists
    return int(ACTIONS[args.action](args))


def replay(args: argparse.Namespace) -> int:
    from jobledger.audit import reader, report, text
    from jobledger.audit.replay import as_of_instant

    as_of = as_of_instant(args.as_of) if args.as_of else None
    since = _now(-SETTLE)
    rows = None if as_of else reader.read_state(args.segments, reader.Progress("state rows"))
    stored = reader.read_log(args.segments, reader.Progress("events"))  # after the rows: see check_heads
    result = report.audit(stored, rows, as_of, (since, _now(SKEW)))
    if args.json:
        _print_json(report.report(result))
    else:
        print(text.as_of_text(result) if as_of else text.replay_text(result))
    return 0 if result.clean else 1


def verify(args: argparse.Namespace) -> int:
    from jobledger.audit import reader, report, text
    from jobledger.audit.seal import verify_against

    try:
        seal = _seal_to_check(args.against) if args.against else None
    except (OSError, ValueError) as exc:
        print(f"verify: {exc}", file=sys.stderr)
        return 2
    since = _now(-SETTLE)
    recorded = reader.read_heads()
    stored = reader.read_log(args.segments, reader.Progress("events"))  # after the heads: see check_heads
    verified = report.verify(stored, recorded, (since, _now(SKEW)))
    against = verify_against(stored, seal) if seal else ([], "")
    if args.json:
        _print_json({"events": verified.events, "streams": len(verified.streams),
                     "problems": [vars(p) for p in [*verified.problems, *against[0]]],
                     "warnings": [vars(p) for p in verified.warnings],
                     **({"against": against[1]} if seal else {})})
    else:
        print(text.verify_text(verified, against if seal else None))
    failed = verified.problems or against[0] or (args.strict and verified.warnings)
    return 1 if failed else 0


# Events past a recorded head stamped from SETTLE seconds before the heads were read (writers stamp an event at
# most a Lambda timeout before committing it) to SKEW seconds after the log was read (clocks differ) may have
# been committed while the audit read: in flight, not tampering.
SETTLE, SKEW = 300.0, 5.0


def _now(offset: float = 0.0) -> str:
    from chalicelib.runtime.sealer import iso

    return iso(datetime.now(timezone.utc) + timedelta(seconds=offset))


def _seal_to_check(text: str) -> Any:
    """A seal file, else a digest; a digest without its cut takes it from a `seal` row with that digest."""
    from chalicelib.core.seal import parse_seal, parse_token
    from jobledger.audit import reader
    from jobledger.audit.seal import bare_seal

    if os.path.isfile(text):
        with open(text, encoding="utf-8") as handle:
            return parse_seal(json.load(handle))
    digest, cut = parse_token(text)
    known = [s["cut"] for s in reader.read_seals() if s.get("digest") == digest and s.get("cut")]
    return bare_seal(text, cut or (known[0] if known else None))


def seal(args: argparse.Namespace) -> int:
    from chalicelib.core import seal as seals
    from chalicelib.runtime.sealer import iso
    from jobledger.audit import reader, report, text

    made = datetime.now(timezone.utc)
    since = _now(-SETTLE)
    recorded = reader.read_heads()
    stored = reader.read_log(args.segments, reader.Progress("events"))  # after the heads: see check_heads
    verified = report.verify(stored, recorded, (since, _now(SKEW)))
    if verified.problems:
        print(text.verify_text(verified))
        print("not sealed: a seal would vouch for a log that is not intact", file=sys.stderr)
        return 1
    cut = iso(made - timedelta(seconds=args.settle))
    sealed = seals.make_seal(seals.heads_as_of(stored, cut).values(), cut, iso(made))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(seals.seal_json(sealed))
    if args.json:
        document = seals.seal_document(sealed)
        _print_json({k: v for k, v in document.items() if k != "heads"} | {"seal": sealed.token})
    else:
        print(f"sealed {len(sealed.heads):,} streams, {sealed.events:,} events as of {sealed.cut}"
              + (f" (written to {args.out})" if args.out else ""))
        print(sealed.token)
    return 0


def history(args: argparse.Namespace) -> int:
    from jobledger.audit import history as histories
    from jobledger.audit import reader
    from chalicelib.core.events import job_stream

    stored = reader.read_stream(job_stream(args.jobid)) if args.jobid.isdigit() else []
    if not stored:
        print(f"history: no job {args.jobid} in the log", file=sys.stderr)
        return 1
    h = histories.history(args.jobid, stored)
    if args.json:
        _print_json(h)
    else:
        print(histories.history_text(h))
    return 0 if h["integrity"] == "intact" else 1


def export(args: argparse.Namespace) -> int:
    from jobledger.audit import reader, restore

    progress = reader.Progress("events")
    if args.file == "-":
        count = restore.export_log(sys.stdout, args.segments, progress)
    else:
        with open(args.file, "w", encoding="utf-8") as out:
            count = restore.export_log(out, args.segments, progress)
    if args.secrets:
        restore.write_secrets_file(args.secrets, restore.read_secrets())
    print(f"exported {count:,} events" + (f" to {args.file}" if args.file != "-" else ""), file=sys.stderr)
    return 0


def import_(args: argparse.Namespace) -> int:
    from jobledger.audit import restore

    secrets = restore.read_secrets_file(args.secrets) if args.secrets else None
    try:
        with open(args.file, encoding="utf-8") as lines:
            done = restore.import_log(lines, secrets)
    except restore.ImportRefused as exc:
        print(f"import refused: {exc}", file=sys.stderr)
        return 1
    print(f"imported {done.events:,} events in {done.streams:,} streams; rebuilt {done.rows:,} state rows")
    return _imported(done)


def rebuild_state(args: argparse.Namespace) -> int:
    from jobledger.audit import reader, restore

    secrets = restore.read_secrets_file(args.secrets) if args.secrets else None
    try:
        done = restore.rebuild_state(secrets, args.segments, reader.Progress("events"))
    except restore.ImportRefused as exc:
        print(f"rebuild refused: {exc}", file=sys.stderr)
        return 1
    print(f"replayed {done.events:,} events in {done.streams:,} streams; rebuilt {done.rows:,} state rows")
    return _imported(done)


def _imported(done: Any) -> int:
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


ACTIONS = {"replay": replay, "verify": verify, "seal": seal, "history": history, "export": export,
           "rebuild-state": rebuild_state,
           "import": import_}

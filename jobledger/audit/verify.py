"""Integrity of the log, stream by stream: contiguous seqs from 1, an unbroken hash chain, known event
types and schema versions, legal transitions. Works on events exactly as stored (hashes cover the stored
form); answers the legal prefix upcast to today's schemas, for replay. Pure: no I/O.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

from chalicelib.core import events as ev
from chalicelib.core.fold import IllegalStream, JobState, fold


@dataclass(frozen=True)
class Problem:
    """Something wrong at one place of the log (seq None: the stream as a whole)."""

    stream: str
    seq: int | None
    what: str

    def __str__(self) -> str:
        return f"{self.stream} seq {self.seq}: {self.what}" if self.seq is not None else f"{self.stream}: {self.what}"


@dataclass
class Checked:
    """A stream after checking: its problems, its weak links, the events replay may fold (upcast) and, for a
    job's stream, their fold."""

    stream: str
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    events: list[ev.Event] = field(default_factory=list)
    job: JobState | None = None


@dataclass(frozen=True)
class Grammar:
    """Which event types may open a stream, follow, and end it (nothing may follow an ending)."""

    first: frozenset[str]
    then: frozenset[str]
    last: frozenset[str] = frozenset()


GRAMMARS = {
    "inventory": Grammar(frozenset({ev.INVENTORY_LOADED}), frozenset({ev.INVENTORY_LOADED})),
    "domain": Grammar(frozenset({ev.DOMAIN_CREATED}), frozenset()),
    "account": Grammar(frozenset({ev.ACCOUNT_CREATED}), frozenset({ev.ACCOUNT_DELETED}),
                       frozenset({ev.ACCOUNT_DELETED})),
    "user": Grammar(frozenset({ev.USER_CREATED}),
                    frozenset({ev.USER_KEYS_REGISTERED, ev.USER_DISABLED, ev.USER_ENABLED, ev.USER_UPDATED,
                               ev.USER_DELETED}),
                    frozenset({ev.USER_DELETED})),
    "volume": Grammar(frozenset({ev.VOLUME_DELETED}), frozenset(), frozenset({ev.VOLUME_DELETED})),
    "sshkeypair": Grammar(frozenset({ev.SSH_KEYPAIR_REGISTERED}), frozenset({ev.SSH_KEYPAIR_DELETED}),
                          frozenset({ev.SSH_KEYPAIR_DELETED})),
}


def stream_kind(stream: str) -> str:
    return stream.split("#", 1)[0]


def check_stream(stream: str, stored: Sequence[ev.Event]) -> Checked:
    """Every problem of one stream, named by seq; `events` stops before the first one replay cannot fold."""
    out = Checked(stream)
    events = sorted(stored, key=lambda e: e.seq)
    if stream_kind(stream) != "job" and stream_kind(stream) not in GRAMMARS:
        out.problems.append(Problem(stream, None, "unknown kind of stream"))
        return out
    _check_chain(stream, events, out)
    legal = min(_contiguous(stream, events, out), _known(stream, events, out))
    upcast = [_upcast(e) for e in events[:legal]]
    out.events = upcast[:_transitions(stream, upcast, out)]
    return out


def _upcast(e: ev.Event) -> ev.Event:
    """The event with its data in today's schema (the stored schema number kept: the hash covers it)."""
    if e.schema == ev.CURRENT_SCHEMA[e.type]:
        return e
    return replace(e, data=ev.upcast(e.type, e.schema, dict(e.data)))


def _contiguous(stream: str, events: Sequence[ev.Event], out: Checked) -> int:
    """Report each gap; answer how many events precede the first one."""
    legal = len(events)
    expected = 1
    for index, e in enumerate(events):
        if e.seq != expected:
            gone = f"seq {expected}" if e.seq == expected + 1 else f"seqs {expected}-{e.seq - 1}"
            where = f"seq {e.seq} follows seq {expected - 1}" if expected > 1 else f"the stream starts at seq {e.seq}"
            out.problems.append(Problem(stream, expected, f"missing: {gone} deleted ({where})"))
            legal = min(legal, index)
        expected = e.seq + 1
    return legal


def _known(stream: str, events: Sequence[ev.Event], out: Checked) -> int:
    """Report event types and schema versions this code cannot read; answer how many precede the first."""
    for index, e in enumerate(events):
        current = ev.CURRENT_SCHEMA.get(e.type)
        if current is None:
            what = f"unknown event type {e.type}"
        elif not 1 <= e.schema <= current:
            what = f"{e.type} schema v{e.schema} is unknown (this code reads v1 to v{current})"
        elif any((e.type, v) not in ev.UPCASTERS for v in range(e.schema, current)):
            what = f"{e.type} v{e.schema} has no upcaster chain to v{current}"
        else:
            continue
        out.problems.append(Problem(stream, e.seq, what))
        return index
    return len(events)


def _check_chain(stream: str, events: Sequence[ev.Event], out: Checked) -> None:
    """Each event's hash must be the hash of its stored content linked to its predecessor's hash."""
    previous: dict[int, str] = {e.seq: e.hash for e in events}
    for e in events:
        if e.seq > 1 and e.seq - 1 not in previous:
            continue  # after a gap the link cannot be checked; the gap is reported
        link = ev.GENESIS if e.seq == 1 else previous[e.seq - 1]
        if not e.hash:
            out.problems.append(Problem(stream, e.seq, f"{e.type} has no hash: written outside the store"))
        elif ev.content_hash(e, link) == e.hash:
            continue
        elif link != ev.GENESIS and ev.content_hash(e, "") == e.hash:
            out.warnings.append(Problem(stream, e.seq, f"{e.type} is sealed but not linked to seq {e.seq - 1}: "
                                                       "its writer chained it to an unhashed event"))
        else:
            out.problems.append(Problem(stream, e.seq, f"{e.type} altered: its content or its link to seq "
                                                       f"{e.seq - 1} does not match its hash (edited, inserted "
                                                       "or re-sealed after it was written)"))


def _transitions(stream: str, events: Sequence[ev.Event], out: Checked) -> int:
    """Report the first illegal transition; answer how many events precede it."""
    if stream_kind(stream) == "job":
        return _job_transitions(stream, events, out)
    grammar = GRAMMARS[stream_kind(stream)]
    for index, e in enumerate(events):
        allowed = grammar.first if index == 0 else grammar.then
        ended = index > 0 and events[index - 1].type in grammar.last
        if e.type in allowed and not ended:
            continue
        why = f"after {events[index - 1].type}, which ends the stream" if ended else "not allowed here"
        out.problems.append(Problem(stream, e.seq, f"{e.type} {why}"))
        return index
    return len(events)


def _job_transitions(stream: str, events: Sequence[ev.Event], out: Checked) -> int:
    jobid = stream.split("#", 1)[1]
    try:
        out.job = fold(jobid, events) if events else None
        return len(events)
    except _UNFOLDABLE:
        pass
    for index in range(len(events)):  # only for a broken stream: find the first event fold refuses
        try:
            out.job = fold(jobid, events[:index + 1])
        except IllegalStream as exc:
            reason = str(exc).split(": ", 1)[-1]
            out.problems.append(Problem(stream, events[index].seq, f"illegal transition: {reason}"))
            return index
        except _UNFOLDABLE as exc:  # a field the fold needs is missing or malformed
            out.problems.append(Problem(stream, events[index].seq, f"{events[index].type} malformed: {exc!r}"))
            return index
    return len(events)


_UNFOLDABLE = (IllegalStream, KeyError, TypeError, ValueError)

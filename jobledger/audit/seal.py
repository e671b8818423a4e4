"""Checking a log against a seal: every stream the seal saw still holds at least that many events with the same
head; each stream truncated, removed or rewritten since is named. Pure: no I/O. (The seal itself: core/seal.py.)
"""
from __future__ import annotations

from typing import Mapping, Sequence

from chalicelib.core.events import Event
from chalicelib.core.seal import Seal, digest, heads_as_of, parse_token
from jobledger.audit.replay import stream_order
from jobledger.audit.verify import Problem

TAMPERED = "log tampered with since the seal:"


def check_seal(stored: Mapping[str, Sequence[Event]], seal: Seal) -> list[Problem]:
    """Each stream the seal saw that is gone, shorter than it was, or different at the sealed seq."""
    out = []
    for head in sorted(seal.heads, key=lambda h: stream_order(h.stream)):
        events = {e.seq: e for e in stored.get(head.stream, ())}
        last = max(events, default=0)
        if not events:
            what = f"stream removed: the seal saw it at seq {head.seq}, the log holds none of its events"
        elif last < head.seq:
            what = f"truncated: the seal saw seq {head.seq}, the log now ends at seq {last}"
        elif head.seq not in events:
            what = f"seq {head.seq}, the head the seal saw, deleted"
        elif events[head.seq].hash != head.hash:
            what = (f"seq {head.seq} rewritten: its hash is {events[head.seq].hash[:12]}…, the seal saw "
                    f"{head.hash[:12]}… (this event or one before it was changed)")
        else:
            continue
        out.append(Problem(head.stream, head.seq if events else None, f"{TAMPERED} {what}"))
    return out


def reproduces(stored: Mapping[str, Sequence[Event]], sealed_digest: str, cut: str | None) -> bool:
    """Whether the log's heads as of `cut` (today's heads without one) give the digest."""
    return digest(heads_as_of(stored, cut).values()) == sealed_digest


def bare_seal(text: str, cut: str | None = None) -> Seal:
    """`<digest>` or `<digest>@<cut>`; `cut` is used when the text has none."""
    sealed, given = parse_token(text)
    return Seal(sealed, given or cut or "", bare=True)


def verify_against(stored: Mapping[str, Sequence[Event]], seal: Seal) -> tuple[list[Problem], str]:
    """The log against a seal: the problems it proves, and a one-line verdict. A seal with its heads names each
    stream changed; a digest with its cut says whether the log as of the cut still gives it; a digest alone,
    only whether today's heads give it."""
    if not seal.bare:
        problems = check_seal(stored, seal)
        held = "each still holds its sealed head" if not problems else f"{len(problems)} changed since"
        return problems, f"seal {seal.token}: {len(seal.heads):,} streams, {seal.events:,} events sealed; {held}"
    if seal.cut:
        if reproduces(stored, seal.digest, seal.cut):
            return [], f"digest {seal.token}: the log's heads as of the cut reproduce it: nothing sealed was changed"
        return [Problem("log", None, f"{TAMPERED} its heads as of {seal.cut} do not reproduce {seal.digest}: a "
                                     "stream the seal saw was truncated, removed or rewritten (the seal file "
                                     "names which)")], f"digest {seal.token}: NOT reproduced"
    if reproduces(stored, seal.digest, None):
        return [], f"digest {seal.digest}: today's heads reproduce it: the log has not changed since the seal"
    return [Problem("log", None, f"unproven: today's heads do not reproduce {seal.digest} and its cut is unknown: "
                                 "the log changed since (it grew, or was tampered with); verify against "
                                 "DIGEST@CUT or the seal file")], f"digest {seal.digest}: not reproduced"

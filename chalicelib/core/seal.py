"""Seals: one digest over every stream's head (stream, last seq, its hash) as of a cut instant, the root of a
Merkle tree shaped as RFC 6962's; the seal file's format. Heads as of a cut: each stream's last event stamped at
or before it. Pure: shared by the hourly sealer (deployed) and the audit (jobledger/audit/seal.py).
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from chalicelib.core.events import Event
from chalicelib.core.rows import Head

FORMAT = "jobledger-seal/1"
TOKEN = re.compile(r"^(?P<digest>[0-9a-f]{64})(?:@(?P<cut>\S+))?$")


class BadSeal(ValueError):
    """Not a seal, or a seal whose heads do not reproduce its digest."""


@dataclass(frozen=True)
class Seal:
    digest: str
    cut: str  # the heads are each stream's last event stamped at or before this instant
    made: str = ""
    heads: tuple[Head, ...] = ()
    bare: bool = False  # a digest alone (maybe with its cut): the heads it covers are not known

    @property
    def token(self) -> str:
        """`<digest>@<cut>`: what is logged, and what `audit verify --against` takes."""
        return f"{self.digest}@{self.cut}"

    @property
    def events(self) -> int:
        return sum(h.seq for h in self.heads)


def _leaf(head: Head) -> bytes:
    return hashlib.sha256(b"\x00" + f"{head.stream}\n{head.seq}\n{head.hash}".encode("utf-8")).digest()


def _root(nodes: Sequence[bytes]) -> bytes:
    """RFC 6962's Merkle tree hash: split at the largest power of two below the count."""
    if len(nodes) == 1:
        return nodes[0]
    split = 1 << ((len(nodes) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _root(nodes[:split]) + _root(nodes[split:])).digest()


def digest(heads: Iterable[Head]) -> str:
    """The root over the heads in stream-name order (the empty log: sha256 of nothing)."""
    leaves = [_leaf(h) for h in sorted(heads, key=lambda h: h.stream)]
    return (_root(leaves) if leaves else hashlib.sha256(b"").digest()).hex()


def heads_as_of(stored: Mapping[str, Sequence[Event]], cut: str | None = None) -> dict[str, Head]:
    """Each stream's last event (highest seq) stamped at or before `cut` (every event without one)."""
    out = {}
    for stream, events in stored.items():
        kept = [e for e in events if cut is None or e.at <= cut]
        if kept:
            last = max(kept, key=lambda e: e.seq)
            out[stream] = Head(stream, last.seq, last.hash, last.at)
    return out


def make_seal(heads: Iterable[Head], cut: str, made: str) -> Seal:
    ordered = tuple(sorted(heads, key=lambda h: h.stream))
    return Seal(digest(ordered), cut, made, ordered)


def seal_document(seal: Seal) -> dict[str, Any]:
    return {"format": FORMAT, "digest": seal.digest, "cut": seal.cut, "made": seal.made,
            "streams": len(seal.heads), "events": seal.events,
            "heads": [[h.stream, h.seq, h.hash] for h in seal.heads]}


def seal_json(seal: Seal) -> str:
    """The seal file: JSON, one head a line (a diff between two seals reads stream by stream)."""
    document = seal_document(seal)
    heads = ",\n".join("  " + json.dumps(h) for h in document.pop("heads"))
    return json.dumps(document, indent=1)[:-2] + ',\n "heads": [\n' + heads + "\n ]\n}\n"


def parse_seal(document: Any) -> Seal:
    """A seal file's content; refused unless its heads reproduce its digest (an edited file proves nothing)."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BadSeal(f"not a seal (no \"format\": \"{FORMAT}\")")
    try:
        heads = [Head(str(s), int(n), str(h)) for s, n, h in document["heads"]]
        seal = make_seal(heads, str(document["cut"]), str(document.get("made", "")))
    except (KeyError, TypeError, ValueError) as exc:
        raise BadSeal(f"not a seal ({exc!r})") from exc
    if seal.digest != document.get("digest"):
        raise BadSeal(f"its heads give digest {seal.digest}, not the {document.get('digest')} it claims")
    return seal


def parse_token(text: str) -> tuple[str, str | None]:
    """`<digest>` or `<digest>@<cut>` -> (digest, cut or None)."""
    found = TOKEN.match(text.strip())
    if not found:
        raise BadSeal(f"{text!r} is neither a seal file nor a digest (64 hex digits, optionally @<cut>)")
    return found["digest"], found["cut"]

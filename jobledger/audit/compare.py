"""Comparing what the state table holds with what replay rebuilt, and what the API would answer from each:
every difference named by item and field, with the stored and the replayed value. Pure: no I/O.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Mapping

from jobledger.audit.replay import Rebuilt
from jobledger.audit.table import UNEXPLAINED_KINDS, Key, Row
from chalicelib.cloudstack.wire import job_result_payload
from chalicelib.core import userdata
from chalicelib.core.fold import job_from_row
from chalicelib.core.rows import HEAD_KIND

# Fields the log never holds (secrets): not compared; a key's secret is checked against the logged digest.
UNLOGGED_FIELDS = {"user": ("password",), "apikey": ("secret",)}
ABSENT = "(absent)"
# Streams' heads (head rows, the `head` of job rows) are the log's own completeness, checked by audit_heads as
# tampering: compared here too, one edit would be reported twice, once as drift.
HEAD_FIELD = "head"
SHOWN = 160  # characters of a value shown in a report line


@dataclass(frozen=True)
class Divergence:
    kind: str
    id: str
    field: str
    stored: Any
    replayed: Any

    def __str__(self) -> str:
        return f"{self.kind} {self.id} {self.field}: stored {shown(self.stored)}, replayed {shown(self.replayed)}"


def shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(_plain(value), ensure_ascii=False, sort_keys=True,
                                                           default=str)
    return text if len(text) <= SHOWN else text[:SHOWN - 1] + "…"


def compare(rebuilt: Rebuilt, stored: Mapping[Key, Row]) -> list[Divergence]:
    """Every row either side holds (counters and rate windows aside), field by field; then the API's view."""
    replayed = rebuilt.table.rows
    keys = {k for k in (*replayed, *stored) if k[0] not in (*UNEXPLAINED_KINDS, HEAD_KIND, userdata.KIND)}
    out: list[Divergence] = _userdata_rows(stored, rebuilt.userdata_digests)
    for kind, id_ in sorted(keys, key=_order):
        mine, theirs = replayed.get((kind, id_)), stored.get((kind, id_))
        if mine is None or theirs is None:
            out.append(Divergence(kind, id_, "row", "present" if theirs else ABSENT, "present" if mine else ABSENT))
            continue
        out += _fields(kind, id_, theirs, mine)
        if kind == "apikey":
            out += _secret(id_, theirs, rebuilt.secret_digests.get(id_))
        if kind == "job":
            out += _job_answer(id_, theirs, mine)
    return out


def _order(key: Key) -> tuple[str, int, str]:
    kind, id_ = key
    return kind, int(id_) if id_.isdigit() else -1, id_


def _fields(kind: str, id_: str, stored: Row, replayed: Row) -> list[Divergence]:
    out = []
    skip = UNLOGGED_FIELDS.get(kind, ())
    for name in sorted({*stored, *replayed} - {"kind", "id", HEAD_FIELD}):
        theirs, mine = _plain(stored.get(name, ABSENT)), _plain(replayed.get(name, ABSENT))
        if name == "data" and isinstance(theirs, dict) and isinstance(mine, dict):
            theirs = {k: v for k, v in theirs.items() if k not in skip}
            mine = {k: v for k, v in mine.items() if k not in skip}
        out += _diff(kind, id_, name, theirs, mine)
    return out


def _diff(kind: str, id_: str, path: str, theirs: Any, mine: Any) -> list[Divergence]:
    """The differences down to the innermost field that differs (`data.result.virtualmachine.state`)."""
    if theirs == mine:
        return []
    if isinstance(theirs, dict) and isinstance(mine, dict):
        names = [*mine, *(k for k in theirs if k not in mine)]
        return [d for k in names for d in _diff(kind, id_, f"{path}.{k}", theirs.get(k, ABSENT), mine.get(k, ABSENT))]
    if isinstance(theirs, list) and isinstance(mine, list) and len(theirs) == len(mine):
        pairs = enumerate(zip(theirs, mine, strict=True))
        return [d for i, (a, b) in pairs for d in _diff(kind, id_, f"{path}[{i}]", a, b)]
    return [Divergence(kind, id_, path, theirs, mine)]


def _secret(apikey: str, stored: Row, digest: str | None) -> list[Divergence]:
    secret = (stored.get("data") or {}).get("secret")
    if digest and secret and hashlib.sha256(str(secret).encode("utf-8")).hexdigest() == digest:
        return []
    return [Divergence("apikey", apikey, "data.secret", "a secret" if secret else ABSENT,
                       f"the secret whose digest is {digest}" if digest else "no digest in the log")]


def _userdata_rows(stored: Mapping[Key, Row], digests: set[str]) -> list[Divergence]:
    """User data is not in the log: each stored row must hold the bytes its id is the digest of, and be user data
    the log says was given. A missing row is not drift: a stack rebuilt from its log has none (the API says
    so when asked for it)."""
    out = []
    for (kind, digest), row in sorted(stored.items()):
        if kind != userdata.KIND:
            continue
        if not userdata.row_matches(digest, (row.get("data") or {}).get("userdata")):
            out.append(Divergence(kind, digest, "data.userdata", "bytes of another digest", f"bytes of {digest}"))
        elif digest not in digests:
            out.append(Divergence(kind, digest, "row", "present", "no such user data in the log"))
    return out


def _job_answer(jobid: str, stored: Row, replayed: Row) -> list[Divergence]:
    """queryAsyncJobResult as `listAsyncJobs` builds it from the stored summary row, and as replay builds it
    from the stream (`queryAsyncJobResult` folds the same stream: they agree unless the row was changed)."""
    try:
        theirs = job_result_payload(job_from_row(stored.get("data") or {}), "json")
    except (KeyError, TypeError, ValueError) as exc:
        return [Divergence("job", jobid, "queryAsyncJobResult", f"unreadable row ({exc!r})", "an answer")]
    mine = job_result_payload(job_from_row(replayed["data"]), "json")
    return _diff("job", jobid, "queryAsyncJobResult", theirs, mine)


def _plain(value: Any) -> Any:
    """Comparable form: DynamoDB number sets as sorted lists (everything else is JSON data already)."""
    return sorted(value) if isinstance(value, (set, frozenset)) else value

"""What state rows carry besides their data: the attributes the listing and sweeper indexes and the list
filters read, and each stream's head. One definition for the store that writes them and the audit. Pure."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from chalicelib.core.events import Event

Row = dict[str, Any]


def sort_key(kind: str, id_: str) -> str:
    """Numeric ids sort as numbers in the listing indexes."""
    return f"{kind}#{int(id_):012d}" if id_.isascii() and id_.isdigit() and len(id_) <= 12 else f"{kind}#{id_}"


def vm_search_text(vm: Mapping[str, Any]) -> str:
    """What `keyword` and `name` filters look in: the names, lowercased."""
    return f"{vm['name']} {vm.get('displayname', '')}".lower()


def vm_attributes(vm: Mapping[str, Any]) -> Row:
    """A VM row's attributes besides its queue of pending jobs."""
    return {"data": dict(vm), "sort": sort_key("vm", str(vm["id"])), "owner": vm["accountid"],
            "domainid": vm["domainid"], "vmstate": vm["state"], "zoneid": vm["zoneid"], "search": vm_search_text(vm)}


def job_attributes(job: Mapping[str, Any]) -> Row:
    """A job's summary row; `unfinished` (the sweeper's sparse index) only while it is pending."""
    jobid = str(job["jobid"])
    row: Row = {"data": dict(job), "sort": sort_key("job", jobid), "owner": job["accountid"],
                "created": job["created"], "search": f"{job['command']} {job['cmd']}".lower()}
    if job.get("domainid"):
        row["domainid"] = job["domainid"]
    if not job["status"]:
        row["unfinished"] = "pending"
    return row


def listed(kind: str, id_: str, domainid: str, owner: str | None = None) -> dict[str, str]:
    """The listing attributes of a tenant row (domain, account, user)."""
    out = {"sort": sort_key(kind, id_), "domainid": domainid}
    if owner:
        out["owner"] = owner
    return out


def key_listed(user_state: str) -> dict[str, str]:
    """An API key row's `keystate` attribute, which every signed write's RequireKey condition reads."""
    return {"keystate": "enabled" if user_state == "enabled" else "disabled"}


# Each stream's head (last seq, its hash, its time) is kept in the state rows, written in the transaction that
# appends the events: a job's on its job row (written with every job event anyway: no extra item), any other
# stream's on a row of its own, (`head`, stream). The audit compares them with the log.
HEAD_KIND = "head"


@dataclass(frozen=True)
class Head:
    stream: str
    seq: int
    hash: str
    at: str = field(default="", compare=False)  # when the event was stamped (for seals' cuts), not identity

    def text(self) -> str:
        """The `head` attribute: `<seq> <hash> <at>`."""
        return f"{self.seq} {self.hash} {self.at}"


def parse_head(stream: str, text: str) -> Head:
    seq, hash_, at = (str(text).split(" ", 2) + ["", ""])[:3]
    return Head(stream, int(seq), hash_, at)


def head_key(stream: str) -> tuple[str, str]:
    """The state row that holds a stream's head."""
    kind, _, id_ = stream.partition("#")
    return ("job", id_) if kind == "job" else (HEAD_KIND, stream)


def key_stream(kind: str, id_: str) -> str:
    """The stream whose head a (kind, id) row holds (`head_key` reversed)."""
    return f"job#{id_}" if kind == "job" else id_


def heads_of(events: Iterable[Event]) -> dict[str, Head]:
    """The last (highest seq) of `events` in each stream."""
    out: dict[str, Head] = {}
    for e in events:
        if e.stream not in out or e.seq > out[e.stream].seq:
            out[e.stream] = Head(e.stream, e.seq, e.hash, e.at)
    return out

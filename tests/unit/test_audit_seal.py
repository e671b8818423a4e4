"""Completeness of the log: heads and seals on logs built with the real pure functions, then tampered with the
way someone who can edit the events table (and, further down, the state rows too) would."""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest

from jobledger.audit.report import verify
from jobledger.audit.heads import check_heads, recorded_heads, with_heads
from chalicelib.core.seal import BadSeal, digest, heads_as_of, make_seal, parse_seal, seal_document, seal_json
from jobledger.audit.seal import bare_seal, check_seal, verify_against
from chalicelib.runtime.sealer import seal_heads
from chalicelib.core import events as ev
from chalicelib.core.rows import Head, head_key, heads_of, parse_head

Log = dict[str, list[ev.Event]]


def at(second: float) -> str:
    return f"2026-11-27T10:{int(second // 60):02d}:{second % 60:06.3f}Z"


def chain(stream: str, count: int, second: float) -> list[ev.Event]:
    """`count` progress events a second apart, chained as the store writes them (what they say is not checked
    here: only seqs, hashes and times matter to heads and seals)."""
    return ev.chained(None, [ev.new_event(stream, seq, ev.JOB_PROGRESSED, {"procstatus": seq}, {"worker": "w"},
                                          at(second + seq)) for seq in range(1, count + 1)])


def log() -> Log:
    return {"job#1": chain("job#1", 4, 0), "job#2": chain("job#2", 3, 10), "account#3": chain("account#3", 2, 20)}


def rechained(events: list[ev.Event]) -> list[ev.Event]:
    """Seqs renumbered from 1 and every hash recomputed: an attacker who knows how the chain is made."""
    return ev.chained(None, [replace(e, seq=i, hash="") for i, e in enumerate(events, start=1)])


def edited(e: ev.Event) -> ev.Event:
    return replace(e, data=dict(e.data, procstatus=99))


def delete_tail(s: list[ev.Event]) -> list[ev.Event]:
    return s[:-1]


def reseal_tail(s: list[ev.Event]) -> list[ev.Event]:
    return [*s[:-1], *ev.chained(s[-2], [edited(s[-1])])]


def insert_middle(s: list[ev.Event]) -> list[ev.Event]:
    return rechained([*s[:2], replace(s[1], data={"procstatus": 50}), *s[2:]])


def edit_middle(s: list[ev.Event]) -> list[ev.Event]:
    return rechained([s[0], edited(s[1]), *s[2:]])


TAMPERING = {"delete-tail": delete_tail, "re-seal-tail": reseal_tail, "insert-middle": insert_middle,
             "edit-middle": edit_middle, "delete-stream": None}


def tampered(original: Log, how: str, stream: str = "job#1") -> Log:
    out = dict(original)
    change = TAMPERING[how]
    if change is None:
        del out[stream]
    else:
        out[stream] = change(original[stream])
    return out


def test_heads_are_each_streams_last_event_and_live_on_the_job_row_or_a_head_row():
    heads = heads_of(e for s in log().values() for e in s)
    assert (heads["job#1"].seq, heads["account#3"].seq) == (4, 2)
    assert heads["job#1"].hash == log()["job#1"][-1].hash
    assert head_key("job#1") == ("job", "1") and head_key("account#3") == ("head", "account#3")
    assert parse_head("job#1", heads["job#1"].text()) == heads["job#1"]


def test_a_clean_log_matches_its_recorded_heads():
    original = log()
    rows = with_heads({("job", "1"): {"data": {}}}, original)
    assert set(rows) == {("job", "1"), ("job", "2"), ("head", "account#3")}
    assert check_heads(original, recorded_heads(rows)) == []
    assert verify(original, recorded_heads(rows)).heads_checked


@pytest.mark.parametrize("how", TAMPERING)
def test_tampering_is_named_without_a_seal_by_the_recorded_heads(how):
    original = log()
    problems = check_heads(tampered(original, how), heads_of(e for s in original.values() for e in s))
    assert {p.stream for p in problems} == {"job#1"}, problems
    assert all(p.what.startswith("log tampered with:") for p in problems)
    assert verify(tampered(original, how), heads_of(e for s in original.values() for e in s)).problems


def test_each_kind_of_tampering_is_named_for_what_it_did():
    original = log()
    heads = heads_of(e for s in original.values() for e in s)
    said = {how: [str(p) for p in check_heads(tampered(original, how), heads)] for how in TAMPERING}
    assert said["delete-tail"] == ["job#1 seq 4: log tampered with: tail truncated: seq 4 deleted (the log ends "
                                   "at seq 3, the state rows record the head at seq 4)"]
    assert "JobProgressed rewritten" in said["re-seal-tail"][0] and "edited and re-sealed" in said["re-seal-tail"][0]
    assert said["delete-stream"] == ["job#1: log tampered with: stream removed: the state rows record its head at "
                                     "seq 4, the log holds none of its events"]
    assert "rewritten" in said["insert-middle"][0] and "seq 5 past the head" in said["insert-middle"][1]
    assert "rewritten" in said["edit-middle"][0]
    assert "no head for this stream" in str(check_heads(original, {})[0])


@pytest.mark.parametrize("how", TAMPERING)
def test_tampering_that_also_rewrites_the_heads_is_named_by_a_seal(how):
    original = log()
    seal = make_seal(heads_as_of(original).values(), at(60), at(60))
    after = tampered(original, how)
    after["job#9"] = chain("job#9", 2, 70)  # the log goes on after the seal: that is no problem
    assert check_heads(after, heads_of(e for s in after.values() for e in s)) == []  # both tables agree
    problems = check_seal(after, seal)
    assert [p.stream for p in problems] == ["job#1"], problems
    assert problems[0].what.startswith("log tampered with since the seal:")
    assert verify_against(after, seal)[0] == problems
    assert verify_against(after, bare_seal(seal.token))[0][0].what.startswith("log tampered with since the seal")


def test_a_log_that_only_grew_still_holds_its_seal():
    original = log()
    seal = make_seal(heads_as_of(original).values(), at(60), at(60))
    grown = {**original, "job#1": [*original["job#1"], *ev.chained(original["job#1"][-1], [
        ev.new_event("job#1", 5, ev.JOB_PROGRESSED, {}, {}, at(80))])], "job#9": chain("job#9", 1, 90)}
    assert check_seal(grown, seal) == []
    problems, verdict = verify_against(grown, bare_seal(seal.token))
    assert problems == [] and "reproduce it" in verdict
    # a digest without its cut can only be compared with today's heads
    assert verify_against(original, bare_seal(seal.digest))[0] == []
    assert verify_against(grown, bare_seal(seal.digest))[0][0].what.startswith("unproven:")


def test_heads_as_of_a_cut_are_the_last_events_stamped_at_or_before_it():
    heads = heads_as_of(log(), at(12.5))
    assert {s: h.seq for s, h in heads.items()} == {"job#1": 4, "job#2": 2}


def test_the_digest_is_a_merkle_root_over_the_heads_in_stream_order():
    heads = list(heads_as_of(log()).values())
    assert digest(heads) == digest(reversed(heads))
    assert digest([]) == hashlib.sha256(b"").hexdigest()
    leaf = hashlib.sha256(b"\x00" + f"{heads[0].stream}\n{heads[0].seq}\n{heads[0].hash}".encode()).hexdigest()
    assert digest(heads[:1]) == leaf
    changed = [replace(heads[0], seq=heads[0].seq - 1), *heads[1:]]
    assert digest(changed) != digest(heads)


def test_a_seal_file_round_trips_and_an_edited_one_is_refused():
    seal = make_seal(heads_as_of(log()).values(), at(60), at(61))
    document = seal_document(seal)
    assert parse_seal(document) == seal and document["streams"] == 3 and document["events"] == 9
    assert parse_seal(json.loads(seal_json(seal))) == seal
    assert seal_json(seal).splitlines()[9].startswith('  ["job#1", 4, "')
    assert parse_seal(json.loads(seal_json(make_seal([], at(1), at(1))))).digest == digest([])
    document["heads"][0][1] += 1
    with pytest.raises(BadSeal, match="give digest"):
        parse_seal(document)
    with pytest.raises(BadSeal):
        bare_seal("not-a-digest")


def test_the_scheduled_seal_reads_only_the_streams_written_since_its_cut():
    original = log()
    recorded = heads_of(e for s in original.values() for e in s)
    read: list[str] = []

    def read_stream(stream: str) -> list[ev.Event]:
        read.append(stream)
        return original[stream]

    seal = seal_heads(recorded, at(12.5), at(400), read_stream)
    assert sorted(read) == ["account#3", "job#2"]  # written to after the cut; job#1 was not
    assert seal.digest == digest(heads_as_of(original, at(12.5)).values())
    assert verify_against(original, bare_seal(seal.token))[0] == []


def test_a_head_carries_its_time():
    assert parse_head("job#1", "3 abc 2026-11-27T10:00:00.000Z") == Head("job#1", 3, "abc", "2026-11-27T10:00:00.000Z")


def test_events_past_a_head_committed_while_the_audit_read_are_in_flight_not_tampering():
    original = log()  # job#1's events are stamped 10:00:01 to 10:00:04
    heads = heads_of(e for s in original.values() for e in s)
    heads["job#1"] = heads_of(original["job#1"][:3])["job#1"]  # read before seq 4 was committed
    del heads["account#3"]  # read before the stream's first commit
    assert check_heads(original, heads, (at(3.5), at(30))) == []
    named = check_heads(original, heads, (at(4.5), at(30)))  # stamped before the window: behind the store's back
    assert [p.stream for p in named] == ["job#1"] and "past the head" in named[0].what
    assert [p.stream for p in check_heads(original, heads, (at(0), at(3)))] == ["account#3", "job#1"]  # future
    truncated = check_heads({**original, "job#2": original["job#2"][:-1]}, heads, (at(0), at(30)))
    assert [p.stream for p in truncated] == ["job#2"]  # a log behind its head is never in flight

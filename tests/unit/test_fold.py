from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core import events as ev
from chalicelib.core import jobs
from chalicelib.core.fold import FAILED, PENDING, SUCCEEDED, IllegalStream, fold

ACTOR = {"accountid": "2", "userid": "2"}


def submitted(jobid: str = "1") -> ev.Event:
    return jobs.submitted(jobid, "deployVirtualMachine", ACTOR, "VirtualMachine", "100",
                          {"zoneid": "1", "signature": "secret", "apikey": "k", "userdata": "aGk="},
                          at="2026-11-27T10:00:00.000Z")


def test_a_submitted_job_is_pending_and_queued():
    job = fold("1", [submitted()])
    assert (job.status, job.procstatus, job.version) == (PENDING, 0, 1)
    assert job.cmd == "com.cloud.api.commands.DeployVMCmd" and job.instanceid == "100"


def test_sensitive_parameters_never_reach_the_event():
    assert submitted().data["params"] == {"zoneid": "1"}


def test_a_started_job_shows_progress_one():
    job = fold("1", [submitted()])
    started = jobs.start(job, 1, ACTOR)
    job = fold("1", [submitted(), *started])
    assert (job.status, job.procstatus, job.attempts) == (PENDING, 1, 1)


def test_completed_and_failed_jobs_carry_their_result():
    base = [submitted()]
    job = fold("1", base + jobs.start(fold("1", base), 1, ACTOR))
    result = {"virtualmachine": {"id": "100"}}
    done = fold("1", base + jobs.start(fold("1", base), 1, ACTOR) + [jobs.completed(job, result, ACTOR)])
    assert (done.status, done.procstatus, done.resultcode) == (SUCCEEDED, 0, 0)
    failed = fold("1", base + jobs.start(fold("1", base), 1, ACTOR) + [jobs.failed(job, 551, "no room", ACTOR)])
    assert (failed.status, failed.resultcode, failed.errortext) == (FAILED, 551, "no room")


def test_a_finished_job_is_not_started_again():
    base = [submitted()]
    running = base + jobs.start(fold("1", base), 1, ACTOR)
    finished = running + [jobs.failed(fold("1", running), 551, "x", ACTOR)]
    assert jobs.start(fold("1", finished), 2, ACTOR) == []


def test_a_restarted_job_records_the_higher_attempt():
    base = [submitted()]
    first = base + jobs.start(fold("1", base), 1, ACTOR)
    second = first + jobs.start(fold("1", first), 2, ACTOR)
    assert fold("1", second).attempts == 2


@pytest.mark.parametrize("mangle", ["gap", "after_terminal", "no_submit", "unknown_type"])
def test_illegal_streams_are_refused(mangle):
    base = [submitted()]
    running = base + jobs.start(fold("1", base), 1, ACTOR)
    if mangle == "gap":
        stream = [running[0], running[2]]
    elif mangle == "after_terminal":
        done = running + [jobs.failed(fold("1", running), 551, "x", ACTOR)]
        stream = done + [ev.new_event("job#1", 5, ev.JOB_PROGRESSED, {"procstatus": 1}, ACTOR)]
    elif mangle == "no_submit":
        stream = [ev.new_event("job#1", 1, ev.JOB_STARTED, {"attempt": 1}, ACTOR)]
    else:
        stream = base + [ev.Event("job#1", 2, "JobTeleported", {}, "2026-11-27T10:00:00.000Z")]
    with pytest.raises(IllegalStream):
        fold("1", stream)


def test_upcasting_rejects_an_unknown_schema_version():
    with pytest.raises(ValueError):
        ev.upcast(ev.JOB_SUBMITTED, 99, {})


# Laws of the fold (hypothesis): any valid prefix folds; nothing follows the terminal event.


def valid_stream(attempts: int, progress: list[int], end: str) -> list[ev.Event]:
    stream = [submitted()]
    for attempt in range(1, attempts + 1):
        stream += jobs.start(fold("1", stream), attempt, ACTOR)
    for procstatus in progress:
        job = fold("1", stream)
        stream.append(ev.new_event("job#1", job.version + 1, ev.JOB_PROGRESSED, {"procstatus": procstatus}, ACTOR))
    job = fold("1", stream)
    if end == "completed":
        stream.append(jobs.completed(job, {"virtualmachine": {"id": "100"}}, ACTOR))
    elif end == "failed":
        stream.append(jobs.failed(job, 551, "no room", ACTOR))
    return stream


streams = st.builds(valid_stream, st.integers(0, 3), st.lists(st.integers(0, 5), max_size=3),
                    st.sampled_from(["pending", "completed", "failed"]))


@given(streams, st.data())
def test_folding_any_valid_prefix_never_raises(stream, data):
    cut = data.draw(st.integers(1, len(stream)))
    job = fold("1", stream[:cut])
    assert job.version == cut and (job.finished == (stream[cut - 1].type in ev.TERMINAL_TYPES))


@given(streams, st.sampled_from([ev.JOB_STARTED, ev.JOB_PROGRESSED, ev.JOB_COMPLETED, ev.JOB_FAILED]))
def test_the_terminal_event_is_always_the_last(stream, extra_type):
    job = fold("1", stream)
    if not job.finished:
        return
    extra = ev.new_event("job#1", job.version + 1, extra_type, {"attempt": 1, "procstatus": 1, "result": {},
                                                                 "code": 530, "text": "x"}, ACTOR)
    with pytest.raises(IllegalStream):
        fold("1", [*stream, extra])

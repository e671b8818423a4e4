from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core import events as ev
from chalicelib.core import jobs
from chalicelib.core import tags as tg
from chalicelib.core import vm as vms
from chalicelib.core.dates import cloudstack_date
from chalicelib.core.fold import FAILED, PENDING, SUCCEEDED, IllegalStream, fold
from tests.unit import test_audit_verify as logs

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


def test_a_start_is_one_event_that_also_says_procstatus_one():
    started = jobs.start(fold("1", [submitted()]), 1, ACTOR)
    assert [(e.seq, e.type, e.data) for e in started] == [(2, ev.JOB_STARTED, {"attempt": 1, "procstatus": 1})]


def shape(job) -> tuple[int, int, int, bool]:
    return job.status, job.procstatus, job.attempts, job.finished


def test_streams_started_in_the_old_shape_fold_as_the_new_ones():
    """Streams written before a start was one event carry JobStarted {attempt} then JobProgressed {procstatus}."""
    old = [submitted(), ev.new_event("job#1", 2, ev.JOB_STARTED, {"attempt": 1}, ACTOR),
           ev.new_event("job#1", 3, ev.JOB_PROGRESSED, {"procstatus": 1}, ACTOR)]
    new = [submitted(), *jobs.start(fold("1", [submitted()]), 1, ACTOR)]
    assert shape(fold("1", old)) == shape(fold("1", new)) == (PENDING, 1, 1, False)
    old_again = [*old, ev.new_event("job#1", 4, ev.JOB_STARTED, {"attempt": 2}, ACTOR),
                 ev.new_event("job#1", 5, ev.JOB_PROGRESSED, {"procstatus": 1}, ACTOR)]
    new_again = [*new, *jobs.start(fold("1", new), 2, ACTOR)]
    assert shape(fold("1", old_again)) == shape(fold("1", new_again)) == (PENDING, 1, 2, False)
    old_done = fold("1", [*old, jobs.failed(fold("1", old), 551, "no room", ACTOR)])
    new_done = fold("1", [*new, jobs.failed(fold("1", new), 551, "no room", ACTOR)])
    assert shape(old_done) == shape(new_done) == (FAILED, 0, 1, True)
    assert (old_done.version, new_done.version) == (4, 3)


def a_running_vm_and_its_tags() -> tuple[dict, list[dict]]:
    vm = logs.running(logs.new_vm("100", 1), "561", "10.1.1.2")
    owner = {"accountid": vm["accountid"], "account": vm["account"], "domainid": vm["domainid"],
             "domain": vm["domain"]}
    row = tg.tag_row("UserVm", "100", owner, [("env", "prod"), ("team", "ops")], None)
    return vm, tg.views(row)


def test_a_vm_result_folds_from_the_document_as_the_old_event_stored_it():
    vm, tags = a_running_vm_and_its_tags()
    assert len(tags) == 2 and "tags" not in vm
    base = [submitted()]
    job = fold("1", base + jobs.start(fold("1", base), 1, ACTOR))
    stored_before = {"virtualmachine": vms.public_view(dict(vm, tags=tags), cloudstack_date)}
    old_form = jobs.completed(job, stored_before, ACTOR, {"vm": vm})
    new_form = jobs.completed_vm(job, tags, ACTOR, {"vm": vm})
    assert "result" not in new_form.data and new_form.data["vm"] == vm and new_form.data["tags"] == tags
    started = base + jobs.start(fold("1", base), 1, ACTOR)
    old_job, new_job = fold("1", [*started, old_form]), fold("1", [*started, new_form])
    assert new_job.jobresult == old_job.jobresult == stored_before
    assert new_job.jobresult["virtualmachine"]["tags"] == tags
    assert (new_job.result, new_job.resultvm) == (None, {"vm": vm, "tags": tags})  # the row keeps the facts
    assert (new_job.status, new_job.procstatus, new_job.resultcode) == (
        old_job.status, old_job.procstatus, old_job.resultcode) == (SUCCEEDED, 0, 0)
    untagged = fold("1", [*started, jobs.completed_vm(job, [], ACTOR, {"vm": vm})])
    assert untagged.jobresult == {"virtualmachine": vms.public_view(vm, cloudstack_date)}
    assert untagged.jobresult["virtualmachine"]["tags"] == []


def test_a_vm_result_needs_the_document_in_its_event():
    base = [submitted()]
    job = fold("1", base + jobs.start(fold("1", base), 1, ACTOR))
    with pytest.raises(ValueError):
        jobs.completed_vm(job, [], ACTOR, {})
    with pytest.raises(ValueError):
        jobs.completed_vm(job, [], ACTOR, {"volumes": []})


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
    if mangle == "gap":  # the JobStarted at seq 2 missing: seq 3 follows seq 1
        done = running + [jobs.failed(fold("1", running), 551, "x", ACTOR)]
        assert [e.seq for e in done] == [1, 2, 3]
        stream = [done[0], done[2]]
    elif mangle == "after_terminal":
        done = running + [jobs.failed(fold("1", running), 551, "x", ACTOR)]
        stream = done + [ev.new_event("job#1", len(done) + 1, ev.JOB_PROGRESSED, {"procstatus": 1}, ACTOR)]
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

"""The worker's side of createTags and deleteTags: each resource's tag row rewritten (versioned) in the job's
last transaction; the rows' documents ride in the job's event for the audit."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from chalicelib.aws import eventlog, statetable
from chalicelib.core import effects as fx
from chalicelib.core import jobs
from chalicelib.core import tags as tg
from chalicelib.core.errors import ConcurrencyConflict
from chalicelib.core.events import Event
from chalicelib.core.fold import JobState, fold


def execute(job: JobState, history: Sequence[Event], actor: Mapping[str, str]) -> None:
    spec = history[0].data["tagspec"]
    pairs = [(k, v) for k, v in spec["pairs"]]
    keys = [("tags", tg.row_id(spec["resourcetype"], i)) for i in spec["resourceids"]]
    stored = statetable.get_many(keys)
    if job.command == "createTags":  # a resource expunged since the submission takes no new tags
        kind = tg.ROW_KIND[spec["resourcetype"]]
        resources = statetable.get_many([(kind, i) for i in spec["resourceids"]])
        for i in spec["resourceids"]:
            row = resources.get((kind, i))
            if row is None or row.as_dict().get("state") in tg.GONE_STATES:
                _commit(job, history, jobs.failed(job, 431, f"Unable to find resource by id {i}", actor), [])
                return
    docs: list[dict[str, Any]] = []
    effects: list[fx.Effect] = []
    for key, resourceid, owner in zip(keys, spec["resourceids"], spec["owners"], strict=True):
        old = stored[key].as_dict() if key in stored else None
        if job.command == "createTags":
            after, refusal = tg.added(old, pairs)
            if after is None:
                _commit(job, history, jobs.failed(job, 431, refusal or "", actor), [])
                return
        else:
            after = tg.removed(old, pairs)
        if old is None and not after:
            continue
        new = tg.tag_row(spec["resourcetype"], resourceid, owner, after, old)
        docs.append(new)
        effects += tg.tag_effects(old, new)
    _commit(job, history, jobs.completed(job, {"success": True}, actor, {"tagrows": docs}), effects)


def _commit(job: JobState, history: Sequence[Event], event: Event, effects: list[fx.Effect]) -> None:
    try:
        eventlog.commit_job(job.jobid, history, [event], effects)
    except ConcurrencyConflict:  # a tag row changed meanwhile (redelivery decides again from fresh rows)
        if not fold(job.jobid, eventlog.load_stream(event.stream)).finished:
            raise

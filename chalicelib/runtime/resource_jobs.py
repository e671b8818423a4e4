"""The worker's door to jobs on resources other than VMs and tenants: volumes (createVolume, resizeVolume) and
tags (createTags, deleteTags)."""
from __future__ import annotations

from typing import Mapping, Sequence

from chalicelib.core.events import Event
from chalicelib.core.fold import JobState

INSTANCE_TYPES = ("Volume", "Tag")


def execute(job: JobState, history: Sequence[Event], actor: Mapping[str, str]) -> None:
    if job.instancetype == "Volume":
        from chalicelib.runtime import volume_jobs

        volume_jobs.execute(job, history, actor)
    else:
        from chalicelib.runtime import tag_jobs

        tag_jobs.execute(job, history, actor)

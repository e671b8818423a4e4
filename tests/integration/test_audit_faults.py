"""Invariant 5 under faults: after a few hundred jobs with failed AWS calls, killed workers, duplicated and
reordered messages and lost sends, replaying the log still reproduces every stored state row."""
from __future__ import annotations

from chalicelib import audit, logreader
from tests.faults import test_randomized
from tests.faults.test_randomized import test_random_faults_break_no_invariant as run_under_faults


def test_replay_reproduces_the_state_after_random_faults(cloud, monkeypatch):
    monkeypatch.setattr(test_randomized, "JOBS", 120)  # the faults suite runs the long version
    run_under_faults(cloud)
    result = audit.audit(logreader.read_log(), logreader.read_state())
    assert [str(p) for p in result.problems] == [] and [str(d) for d in result.divergences] == []
    assert audit.totals(result)["jobs"] > 90

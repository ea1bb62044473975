"""The build's processes and the collector of cycles (graph.compile.parallel)."""

from __future__ import annotations

import gc
import os

import pytest

from graph.compile import parallel

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the build forks its processes")


def _frozen_here(_: object = None) -> int:
    return gc.get_freeze_count()


def test_fewer_collections_raises_the_thresholds_for_the_block_only():
    before = gc.get_threshold()
    with parallel.fewer_collections():
        during = gc.get_threshold()
    assert during[0] == max(before[0], parallel.BUILD_THRESHOLD) > 700
    assert during[1] >= before[1] and during[2] >= before[2]
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), parallel.fewer_collections():
        raise RuntimeError("a failing build")
    assert gc.get_threshold() == before


def test_a_pools_workers_never_go_through_what_the_parent_held():
    held = [[i] for i in range(1000)]  # containers the parent holds as it forks
    assert gc.get_freeze_count() == 0
    with parallel.pool(2) as workers:
        counts = workers.map(_frozen_here, range(2))
    assert gc.get_freeze_count() == 0  # the parent's collector goes through its objects again
    assert all(n >= len(held) for n in counts), counts  # the workers' never do


def test_an_isolated_child_never_goes_through_what_the_parent_held():
    held = [[i] for i in range(1000)]
    assert parallel.isolated(_frozen_here) >= len(held)
    assert gc.get_freeze_count() == 0


def test_objects_the_parent_froze_itself_stay_frozen():
    held = [[i] for i in range(1000)]
    gc.freeze()  # as an incremental build does with the previous build's record
    try:
        assert parallel.isolated(_frozen_here) >= len(held)
        assert gc.get_freeze_count() >= len(held)  # not unfrozen by the fork
    finally:
        gc.unfreeze()

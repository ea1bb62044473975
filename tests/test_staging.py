"""Corpus changes are all or nothing: a change killed before its mark is dropped, after it finished."""

from __future__ import annotations

import pytest

from graph.compile import staging


def corpus_with_source(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "registry").mkdir(parents=True)
    (corpus / "registry" / "mine.yaml").write_text("old registry\n")
    (corpus / "src").mkdir()
    (corpus / "src" / "claims.yaml").write_text("old claims\n")
    return corpus


def stage(corpus, commit_upto=None):
    """Stage a new src/ and registry file; with ``commit_upto`` simulate a kill inside the commit."""
    change = staging.Change(corpus, corpus / f"{staging.PREFIX}test-1")
    change.folder.mkdir()
    folder = change.path("src")
    folder.mkdir()
    (folder / "claims.yaml").write_text("new claims\n")
    change.path("registry/mine.yaml").write_text("new registry\n")
    if commit_upto == "marked":
        real_apply = staging._apply
        staging._apply = lambda corpus, folder: None  # killed right after the mark
        try:
            change.commit()
        finally:
            staging._apply = real_apply
    return change


def state(corpus):
    return ((corpus / "src" / "claims.yaml").read_text(), (corpus / "registry" / "mine.yaml").read_text(),
            sorted(p.name for p in corpus.iterdir() if p.name.startswith(".staging-")))


def test_a_change_commits_whole(tmp_path):
    corpus = corpus_with_source(tmp_path)
    with staging.change(corpus, "test") as change:
        folder = change.path("src")
        folder.mkdir()
        (folder / "claims.yaml").write_text("new claims\n")
        change.path("registry/mine.yaml").write_text("new registry\n")
    assert state(corpus) == ("new claims\n", "new registry\n", [])


def test_a_change_that_raises_leaves_the_corpus_as_it_was(tmp_path):
    corpus = corpus_with_source(tmp_path)
    with pytest.raises(RuntimeError):
        with staging.change(corpus, "test") as change:
            change.path("registry/mine.yaml").write_text("new registry\n")
            raise RuntimeError("a check failed")
    assert state(corpus) == ("old claims\n", "old registry\n", [])


def test_a_change_killed_before_its_mark_is_dropped(tmp_path):
    corpus = corpus_with_source(tmp_path)
    stage(corpus)
    assert staging.recover(corpus) == [f"dropped an unfinished change ({staging.PREFIX}test-1)"]
    assert state(corpus) == ("old claims\n", "old registry\n", [])


def test_a_change_killed_after_its_mark_is_finished(tmp_path):
    corpus = corpus_with_source(tmp_path)
    stage(corpus, commit_upto="marked")
    assert state(corpus)[:2] == ("old claims\n", "old registry\n")
    assert staging.recover(corpus) == [f"finished an interrupted change ({staging.PREFIX}test-1)"]
    assert state(corpus) == ("new claims\n", "new registry\n", [])


def test_a_change_killed_between_its_moves_is_finished(tmp_path):
    corpus = corpus_with_source(tmp_path)
    change = stage(corpus, commit_upto="marked")
    # the old folder parked, the new not yet moved in: the source is missing from the corpus
    (change.folder / "old").mkdir()
    (corpus / "src").rename(change.folder / "old" / "0")
    assert not (corpus / "src").exists()
    staging.recover(corpus)
    assert state(corpus) == ("new claims\n", "new registry\n", [])


def test_recovery_waits_a_moment_for_the_lock_a_killed_imports_workers_still_hold(tmp_path):
    """A killed import's forked workers die a moment after it and hold the corpus's lock until then
    (an inherited descriptor); the next validation must still drop the change, not skip recovery
    (CI found a staging folder left this way by test_faults)."""
    import fcntl
    import os
    import threading

    corpus = corpus_with_source(tmp_path)
    stage(corpus)
    fd = os.open(staging._lock_path(corpus), os.O_RDWR | os.O_CREAT, 0o666)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another open file description: conflicts as a worker's would
    release = threading.Timer(0.5, os.close, (fd,))
    release.start()
    try:
        assert staging.recover(corpus) == [f"dropped an unfinished change ({staging.PREFIX}test-1)"]
    finally:
        release.join()
    assert state(corpus) == ("old claims\n", "old registry\n", [])


def test_recovery_leaves_a_change_another_process_keeps_making(tmp_path, monkeypatch):
    import fcntl
    import os

    monkeypatch.setattr(staging, "RECOVER_WAIT", 0.2)
    corpus = corpus_with_source(tmp_path)
    stage(corpus)
    fd = os.open(staging._lock_path(corpus), os.O_RDWR | os.O_CREAT, 0o666)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        assert staging.recover(corpus) == []
        assert [p.name for p in corpus.iterdir() if p.name.startswith(staging.PREFIX)] == [f"{staging.PREFIX}test-1"]
    finally:
        os.close(fd)

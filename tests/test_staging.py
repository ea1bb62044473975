"""Corpus changes are all or nothing: a change killed before its mark is dropped, after it finished."""

from __future__ import annotations

from pathlib import Path

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


def test_a_change_killed_while_its_folder_was_removed_is_cleared(tmp_path, monkeypatch):
    """A kill during the removal of a change's folder, after every move: the removal may have taken the
    plan and left the mark (test_faults found one left by serbia-kg before done names, which recovery then
    skipped without a word); the folder is renamed to its done name before it is removed, and recovery
    removes one left so."""
    corpus = corpus_with_source(tmp_path)
    real_rmtree = staging.shutil.rmtree

    def killed(path, *args, **kwargs):  # the plan removed first, then the process killed
        if not Path(path).name.endswith(".done"):
            return real_rmtree(path, *args, **kwargs)
        (Path(path) / "plan.json").unlink()
        raise SystemExit("killed")

    monkeypatch.setattr(staging.shutil, "rmtree", killed)
    with pytest.raises(SystemExit):
        with staging.change(corpus, "test") as change:
            folder = change.path("src")
            folder.mkdir()
            (folder / "claims.yaml").write_text("new claims\n")
    monkeypatch.setattr(staging.shutil, "rmtree", real_rmtree)
    left = state(corpus)[2]
    assert len(left) == 1 and left[0].endswith(".done")
    assert staging.recover(corpus) == [f"removed what a finished change left ({left[0]})"]
    assert state(corpus) == ("new claims\n", "old registry\n", [])


def test_a_folder_left_so_by_an_older_serbia_kg_is_cleared(tmp_path):
    """Marked, its moves made, its plan and new files gone (the removal begun): the corpus has the new
    files; recovery removes the rest (the old source parked in it) and says so."""
    corpus = corpus_with_source(tmp_path)
    change = stage(corpus, commit_upto="marked")
    (change.folder / "old").mkdir()
    (corpus / "src").rename(change.folder / "old" / "0")
    (change.folder / "new" / "0" / "src").rename(corpus / "src")
    (change.folder / "new" / "1" / "mine.yaml").replace(corpus / "registry" / "mine.yaml")
    real_rmtree = staging.shutil.rmtree
    real_rmtree(change.folder / "new")
    (change.folder / "plan.json").unlink()
    assert staging.recover(corpus) == [f"removed what a finished change left ({staging.PREFIX}test-1)"]
    assert state(corpus) == ("new claims\n", "new registry\n", [])


def test_a_change_that_cannot_be_finished_is_an_error_not_skipped(tmp_path):
    """Recovery that fails for another reason than a read-only corpus says so: a corpus built with a
    change half made would lack a source without a word."""
    from graph.model.errors import InputError

    corpus = corpus_with_source(tmp_path)
    change = stage(corpus, commit_upto="marked")
    (corpus / "registry" / "mine.yaml").unlink()
    (corpus / "registry").rmdir()
    (corpus / "registry").write_text("a file where the registry folder was\n")
    with pytest.raises(InputError, match="cannot finish or drop an interrupted change"):
        staging.recover(corpus)
    assert (change.folder / "COMMITTED").exists()  # left for the next try, not dropped


def test_a_build_says_what_it_finished_or_removed_of_a_killed_change(tmp_path):
    """The command that recovers a corpus (a build, a validation, an import) says so on its progress, a line
    each, before its own lines."""
    import shutil

    from click.testing import CliRunner

    from conftest import SEED_CORPUS
    from graph.cli import main

    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    left = corpus / f"{staging.PREFIX}import-4242{staging._DONE}"
    (left / "old" / "0").mkdir(parents=True)
    unfinished = corpus / f"{staging.PREFIX}import-4343"
    unfinished.mkdir()
    result = CliRunner().invoke(main, ["validate", "--sources", str(corpus)])
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[:2] == [f"removed what a finished change left ({left.name})",  # (in the folders' order)
                         f"dropped an unfinished change ({unfinished.name})"], lines
    assert not left.exists() and not unfinished.exists()

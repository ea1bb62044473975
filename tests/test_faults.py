"""Fault injection at small sizes: kills at random moments of build and import, a full disk, a read-only
folder, builds at once. Each asserts that nothing is mixed, lost or half-written.

The kill times are drawn from a fixed seed over the length of a whole run measured first, so a
run is repeatable; ``SERBIA_KG_FAULT_TRIALS`` sets the number of kills (default 8 per kind).
``scripts/kill_trials.py`` runs the same trials at 100k triples and reports.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXTERNAL, SEED_CORPUS, SEED_ID
from graph.model import generation

pytestmark = pytest.mark.slow

TRIALS = int(os.environ.get("SERBIA_KG_FAULT_TRIALS", "8"))
SEED = 20


def cli(*args) -> list[str]:
    return [sys.executable, "-c", "from graph.cli import main; main()", *map(str, args)]


def check_out(out: Path, builds: set[str] | None = None) -> dict | None:
    """Whatever happened, ``out`` holds one whole generation (or none yet): every file with the digest
    its record lists, every name leading into it, the store holding the same build."""
    cur = generation.current(out)
    if cur is None:
        assert not any(p.name.startswith("serbia-kg.") for p in out.iterdir()) if out.is_dir() else True
        return None
    assert generation.verify(out) == []
    record = json.loads((cur / generation.STAMP).read_text())
    for name in record["files"]:
        if name == generation.STORE:
            continue
        data = (out / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == record["sha256"][name], f"{name} is not of this build"
    assert record["build"] == record["sha256"]["serbia-kg.nq"]
    if builds is not None:
        assert record["build"] in builds, "a build that neither corpus gives"
    if generation.STORE in record["files"]:
        assert generation.store_build(out / generation.STORE) == record["build"], "the store holds another build"
    return record


def two_corpora(tmp_path: Path) -> tuple[Path, Path]:
    a = tmp_path / "a"
    shutil.copytree(SEED_CORPUS, a)
    b = tmp_path / "b"
    shutil.copytree(SEED_CORPUS, b)
    shutil.copytree(b / SEED_ID, b / "second-copy")
    meta = b / "second-copy" / "source.yaml"
    meta.write_text(re.sub(r"^id: .*$", "id: second-copy", meta.read_text(), flags=re.M))
    return a, b


def build_id(corpus: Path, tmp: Path) -> str:
    out = tmp / f"ref-{corpus.name}"
    subprocess.run(cli("build", "-q", "--no-view", "--sources", corpus, "--out", out), check=True)
    return generation.stamp(generation.current(out))["build"]


def kill_at(args: list[str], delay: float) -> int | None:
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        return proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the build and its pool workers
        proc.wait()
        # and wait till its workers are gone too (a killed worker lingered 1.2 s here, idle): the next command
        # is the one after the kill, not one racing a worker that still holds the corpus's lock
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        return None


def test_builds_killed_at_random_moments_leave_one_whole_generation(tmp_path):
    a, b = two_corpora(tmp_path)
    builds = {build_id(a, tmp_path), build_id(b, tmp_path)}
    out, store = tmp_path / "out", tmp_path / "store"
    args = lambda corpus: cli("build", "-q", "--sources", corpus, "--out", out, "--store", store)  # noqa: E731
    started = time.monotonic()
    subprocess.run(args(a), check=True, stdout=subprocess.DEVNULL)
    whole = time.monotonic() - started
    rng = random.Random(SEED)
    killed = 0
    for trial in range(TRIALS):
        corpus = b if trial % 2 == 0 else a
        if kill_at(args(corpus), rng.uniform(0.0, whole * 0.8)) is None:
            killed += 1
        check_out(out, builds)
    assert killed >= 1, "no run was killed"
    subprocess.run(args(a), check=True, stdout=subprocess.DEVNULL)
    record = check_out(out, builds)
    # nothing left behind: the current generation and the previous one, no temporary files
    assert len(list((out / generation.BUILDS).iterdir())) <= 2
    assert [p.name for p in out.iterdir() if p.name.endswith((".tmp", ".link", ".old"))] == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".store.")] == []
    assert record["files"] == sorted(["oxigraph", "serbia-kg.html", "serbia-kg.jsonld", "serbia-kg.nq",
                                      "serbia-kg.trig", "serbia-kg.ttl", "summary.json", "void.ttl"])


def test_incremental_builds_killed_at_random_moments_leave_the_previous_generation_whole(tmp_path):
    a, b = two_corpora(tmp_path)  # b: a and one source more
    builds = {build_id(a, tmp_path), build_id(b, tmp_path)}
    out = tmp_path / "out"
    args = lambda corpus: cli("build", "-q", "--no-view", "--sources", corpus, "--out", out)  # noqa: E731
    subprocess.run(args(a), check=True)
    started = time.monotonic()
    subprocess.run(args(b), check=True)  # incremental: the added source only
    whole = time.monotonic() - started
    rng = random.Random(SEED + 1)
    killed = 0
    for trial in range(TRIALS):
        if kill_at(args(b if trial % 2 == 0 else a), rng.uniform(0.0, whole)) is None:
            killed += 1
        check_out(out, builds)
    assert killed >= 1, "no run was killed"
    subprocess.run(args(b), check=True)
    record = check_out(out, builds)
    assert record is not None and record["build"] == generation.stamp(generation.current(tmp_path / "ref-b"))["build"]
    for name in record["files"]:  # every output the bytes of a full build's
        assert (out / name).read_bytes() == (tmp_path / "ref-b" / name).read_bytes(), name


SIPRI = EXTERNAL / "sipri_trade_register_2026" / "serbia_imports_1995_2024.csv"
SIPRI_OTHER = EXTERNAL / "sipri_trade_register_2025_orders"


def check_corpus(corpus: Path, exports: dict[str, int]) -> None:
    """After recovery the corpus validates, the imported source is whole (one export's, all its deals)
    or absent, and no staging folder is left."""
    res = subprocess.run(cli("validate", "-q", "--sources", corpus), capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert [p.name for p in corpus.iterdir() if p.name.startswith((".staging-", ".sipri-import-"))] == []
    assert (corpus / SEED_ID / "claims.yaml").is_file()
    folder = corpus / "sipri-trial"
    if folder.exists():
        meta = (folder / "source.yaml").read_text()
        sha = re.search(r"sha256: ([0-9a-f]{64})", meta).group(1)
        assert sha in exports, "the source is of no export"
        claims = (folder / "claims.yaml").read_text().count("\n- id: ") + (folder / "claims.yaml").read_text().count(
            "\n  - id: ")
        assert claims == exports[sha], "a source with some of its deals"


@pytest.mark.skipif(not SIPRI.is_file(), reason="the SIPRI sample table is not in ../shared")
def test_imports_killed_at_random_moments_leave_the_old_source_or_the_new_one(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    exports = {}
    other = sorted(SIPRI_OTHER.glob("*.csv"))[0]
    for path in (SIPRI, other):
        probe = tmp_path / f"probe-{path.stem}"
        shutil.copytree(SEED_CORPUS, probe)
        subprocess.run(cli("import", "sipri", path, "--sources", probe, "--id", "sipri-trial", "--release", "r1"),
                       check=True, capture_output=True)
        meta = (probe / "sipri-trial" / "source.yaml").read_text()
        text = (probe / "sipri-trial" / "claims.yaml").read_text()
        exports[re.search(r"sha256: ([0-9a-f]{64})", meta).group(1)] = text.count("\n- id: ") + text.count("\n  - id: ")
    args = lambda path: cli("import", "sipri", path, "--sources", corpus, "--id", "sipri-trial",  # noqa: E731
                            "--release", "r1")
    started = time.monotonic()
    subprocess.run(args(SIPRI), check=True, capture_output=True)
    whole = time.monotonic() - started
    rng = random.Random(SEED)
    for trial in range(TRIALS):
        kill_at(args(other if trial % 2 == 0 else SIPRI), rng.uniform(0.0, whole * 0.8))
        check_corpus(corpus, exports)


def test_a_killed_import_of_the_older_kind_is_mended(tmp_path):
    """A re-import killed between its two renames by serbia-kg before staged changes left the old
    source in .sipri-import-*/.previous: the next validation puts it back."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    limbo = corpus / ".sipri-import-x1y2" / ".previous"
    limbo.parent.mkdir()
    os.replace(corpus / SEED_ID, limbo)
    (corpus / ".sipri-import-k9").mkdir()  # a hidden staging folder of a killed first import
    res = subprocess.run(cli("validate", "-q", "--sources", corpus), capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert (corpus / SEED_ID / "claims.yaml").is_file()
    assert [p.name for p in corpus.iterdir() if p.name.startswith(".sipri-import-")] == []


def test_ctrl_c_in_a_build_says_what_out_holds_and_exits_130(tmp_path):
    """Ctrl-C sends SIGINT to the terminal's process group: the build, and its workers."""
    a, b = two_corpora(tmp_path)
    out = tmp_path / "out"
    subprocess.run(cli("build", "-q", "--no-view", "--sources", a, "--out", out), check=True)
    before = check_out(out)
    proc = subprocess.Popen(cli("build", "--full", "--no-view", "--sources", b, "--out", out), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # its progress: once it has begun (the whole build takes a second or two)
        seen.append(line)
        if line.startswith("full build"):
            os.killpg(proc.pid, signal.SIGINT)
            break
    rest, err = proc.communicate(timeout=120)
    err = "".join(seen) + err
    assert proc.returncode == 130, (rest, err)
    assert err.splitlines()[-1] == f"interrupted: nothing written; {out} holds the previous build as it was"
    assert "Traceback" not in err and "Aborted!" not in err
    assert check_out(out) == before


def test_builds_at_once_one_writes_the_others_are_refused_with_one_line(tmp_path):
    a, b = two_corpora(tmp_path)
    out = tmp_path / "out"
    procs = [subprocess.Popen(cli("build", "-q", "--no-view", "--sources", c, "--out", out), stderr=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, text=True) for c in (a, b, a)]
    results = [(p.wait(), p.stderr.read()) for p in procs]
    assert any(code == 0 for code, _ in results)
    for code, err in results:
        if code:
            assert code == 2
            assert re.fullmatch(rf"error: {re.escape(str(out))}: another build is writing this folder( \(pid \d+\))?; "
                                r"wait for it to end or give another --out\n", err), err
    check_out(out, {build_id(a, tmp_path), build_id(b, tmp_path)})


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def _limit_file_size(limit: int):
    """In the child: files can grow to ``limit`` bytes (writes beyond fail with EFBIG, as on a full disk)."""
    def apply() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_gives_one_line_and_keeps_the_previous_build(tmp_path):
    """On a 2 MB tmpfs (as root; else files limited to 400 kB with RLIMIT_FSIZE, the same error path)."""
    a, b = two_corpora(tmp_path)
    disk = tmp_path / "disk"
    mounted = _mount_tmpfs(disk, "2m")
    try:
        out = disk / "out"
        subprocess.run(cli("build", "-q", "--no-view", "--sources", a, "--out", out), check=True)
        before = check_out(out)
        if mounted:
            filler = disk / "filler"
            filler.write_bytes(b"\0" * (2 * 1024 * 1024 - sum(f.stat().st_size for f in disk.rglob("*")
                                                              if f.is_file()) - 600_000))
        res = subprocess.run(cli("build", "-q", "--no-view", "--sources", b, "--out", out), capture_output=True,
                             text=True, preexec_fn=None if mounted else _limit_file_size(400_000))
        assert res.returncode == 2, res.stderr
        why = "No space left on device" if mounted else "File too large"
        assert res.stderr == f"error: {out}: cannot write the build: {why}; the previous build is kept\n"
        assert check_out(out) == before
        assert sorted(p.name for p in (out / generation.BUILDS).iterdir()) == [before["generation"]]
    finally:
        if mounted:
            subprocess.run(["umount", str(disk)], check=True)


def test_a_read_only_output_folder_gives_one_line(tmp_path):
    a, _ = two_corpora(tmp_path)
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "8m"):
        pytest.skip("needs root to mount a read-only tmpfs (root writes through file modes)")
    try:
        out = disk / "out"
        subprocess.run(cli("build", "-q", "--no-view", "--sources", a, "--out", out), check=True)
        before = check_out(out)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        res = subprocess.run(cli("build", "-q", "--no-view", "--sources", a, "--out", out), capture_output=True,
                             text=True)
        assert res.returncode == 2
        assert res.stderr == f"error: {out}: cannot write the build: Read-only file system; the previous build is kept\n"
        assert check_out(out) == before
    finally:
        subprocess.run(["umount", str(disk)], check=True)

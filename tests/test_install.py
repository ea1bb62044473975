"""A plain (non-editable) `pip install .` gives a working serbia-kg: the ontology and shapes travel with it."""

import subprocess
import sys

import pytest

from conftest import REPO, SEED_CORPUS


@pytest.mark.slow
def test_plain_install_carries_the_ontology(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps", str(REPO)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert pip.returncode == 0, pip.stderr
    site = next(venv.glob("lib/python*/site-packages"))
    installed = site / "graph" / "ontology"
    assert (installed / "serbia-kg.ttl").is_file() and (installed / "shapes" / "shapes.ttl").is_file()
    # run from an unrelated folder, so that nothing is imported from the checkout
    result = subprocess.run([str(venv / "bin" / "serbia-kg"), "validate", "-q", "--sources", str(SEED_CORPUS)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("valid: 1 source(s)")
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import graph.model.resources as r; print(r.ontology_dir())"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert str(installed) == where.stdout.strip()

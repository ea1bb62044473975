"""A plain (non-editable) `pip install .` gives a working serbia-kg: the ontology and shapes travel with it."""

import subprocess
import sys
import venv

import pytest

from conftest import REPO, SEED_CORPUS


def _make_venv_seeing_our_dependencies(path):
    """A fresh virtual environment whose interpreter also finds the packages the running one has.

    ``python -m venv --system-site-packages`` run from inside a virtual environment gives the *base*
    interpreter's packages, not the running environment's (where `pip install -e '.[test]'` put
    rdflib & co.). Instead the new environment gets a ``.pth`` file naming the running environment's
    site-packages folders: their packages import, while the `.pth` files in them (an editable
    install of this checkout) are not run, so `graph` comes from the plain install only.
    """
    venv.EnvBuilder(with_pip=True).create(path)
    site = next(path.glob("lib/python*/site-packages"))
    ours = [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
    (site / "_serbia_kg_test_dependencies.pth").write_text("\n".join(ours) + "\n", encoding="utf-8")
    return site


@pytest.mark.slow
def test_plain_install_carries_the_ontology(tmp_path):
    env = tmp_path / "venv"
    site = _make_venv_seeing_our_dependencies(env)
    pip = subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", str(REPO)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert pip.returncode == 0, pip.stderr
    installed = site / "graph" / "ontology"
    assert (installed / "serbia-kg.ttl").is_file() and (installed / "shapes" / "shapes.ttl").is_file()
    # run from an unrelated folder, so that nothing is imported from the checkout
    result = subprocess.run([str(env / "bin" / "serbia-kg"), "validate", "-q", "--sources", str(SEED_CORPUS)],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("valid: 1 source(s)")
    where = subprocess.run([str(env / "bin" / "python"), "-c",
                            "import graph, graph.model.resources as r; print(graph.__file__); print(r.ontology_dir())"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    package_file, ontology = where.stdout.split()
    assert package_file == str(site / "graph" / "__init__.py")
    assert ontology == str(installed)

"""Names resolve through ids, labels and aliases, ignoring case and diacritics; unknown names get suggestions."""

import pytest

from graph.model.errors import UnknownName
from graph.model.registry import load_registry

from conftest import SEED_CORPUS


@pytest.fixture(scope="module")
def registry():
    return load_registry(SEED_CORPUS / "registry")


@pytest.mark.parametrize("name,expected", [
    ("Vucic", "aleksandar-vucic"), ("VUČIĆ", "aleksandar-vucic"), ("Russian Federation", "russia"),
    ("pantsyr-s1", "pantsir-s1"), ("Pantsir S1", "pantsir-s1"), ("serbia", "serbia"), ("DoD", "us-department-of-defense"),
])
def test_resolve(registry, name, expected):
    assert registry.resolve(name).id == expected


def test_unknown_name_suggests_closest(registry):
    with pytest.raises(UnknownName) as err:
        registry.resolve("Rusia", ("actor",), what="actor")
    assert str(err.value).startswith("unknown actor 'Rusia'; did you mean 'Russia'")


def test_kind_restriction(registry):
    with pytest.raises(UnknownName):
        registry.resolve("MiG-29", ("actor",))
    assert registry.resolve("MiG-29", ("system",)).category == "fighter-aircraft"

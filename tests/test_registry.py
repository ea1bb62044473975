"""Names resolve through ids, labels and aliases, ignoring case and diacritics; unknown names get suggestions."""

import pytest

from graph.model.errors import UnknownName, ValidationError
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
    with pytest.raises(UnknownName, match="unknown actor 'Русија'; did you mean 'Russia'"):  # Serbian, read as Rusija
        registry.resolve("Русија", ("actor",), what="actor")


def test_kind_restriction(registry):
    with pytest.raises(UnknownName):
        registry.resolve("MiG-29", ("actor",))
    assert registry.resolve("MiG-29", ("system",)).category == "fighter-aircraft"


@pytest.mark.parametrize("name,expected", [
    ("Вучић", "aleksandar-vucic"), ("Александар Вучић", "aleksandar-vucic"), ("Србија", "serbia"),
])
def test_cyrillic_names_resolve_as_their_latin_spelling(registry, name, expected):
    assert registry.resolve(name).id == expected


def _registry(tmp_path, actors: str):
    folder = tmp_path / "registry"
    folder.mkdir()
    (folder / "actors.yaml").write_text("actors:\n" + actors, encoding="utf-8")
    return folder


def test_two_entities_whose_names_fold_alike_are_refused_naming_both(tmp_path):
    folder = _registry(tmp_path, "  serbia: {type: State, label: Serbia}\n"
                                 "  other: {type: State, label: Other, aliases: [SERBIA]}\n")
    with pytest.raises(ValidationError) as err:
        load_registry(folder)
    assert str(err.value) == (f"{folder / 'actors.yaml'}:3: entities 'serbia' ('Serbia', {folder / 'actors.yaml'}:2) "
                              f"and 'other' ('SERBIA') have names that fold alike: a name must denote one entity")


def test_a_name_mixing_latin_and_cyrillic_letters_is_refused(tmp_path):
    folder = _registry(tmp_path, "  serbia: {type: State, label: Serbia}\n"
                                 "  fake: {type: State, label: \u0405erbia}\n")  # a Cyrillic DZE for the S
    with pytest.raises(ValidationError, match="entity 'fake': the name 'Ѕerbia' mixes Latin with Cyrillic"):
        load_registry(folder)

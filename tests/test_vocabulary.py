"""Each closed vocabulary is declared twice (a Literal type for the models, a dict of
definitions for docs and metadata); the two must list the same values in the same order."""

from __future__ import annotations

from typing import Literal, get_args, get_origin

import pytest

from evidence_kit.model import vocabulary
from evidence_kit.model.records import Assertion, Source

LITERALS = {
    name: value
    for name, value in vars(vocabulary).items()
    if get_origin(value) is Literal and not name.startswith("_")
}


@pytest.mark.parametrize("name", sorted(vocabulary.ALL))
def test_literal_equals_dict_keys(name):
    definitions, values = vocabulary.ALL[name]
    assert tuple(definitions) == values


@pytest.mark.parametrize("name", sorted(vocabulary.ALL))
def test_every_value_has_a_definition(name):
    definitions, _ = vocabulary.ALL[name]
    assert definitions, name
    for value, text in definitions.items():
        assert isinstance(text, str) and text.strip(), f"{name}: {value} has no definition"


def test_every_literal_type_is_in_all():
    """A new Literal in vocabulary.py must be registered in ALL, or it is never checked."""
    registered = {values for _, values in vocabulary.ALL.values()}
    missing = [name for name, literal in LITERALS.items() if get_args(literal) not in registered]
    assert missing == []
    assert len(LITERALS) == len(vocabulary.ALL)


def test_values_are_unique():
    for name, (_, values) in vocabulary.ALL.items():
        assert len(set(values)) == len(values), name


def test_models_use_the_vocabulary_types():
    assert Assertion.model_fields["statement_mode"].annotation is vocabulary.StatementMode
    assert Assertion.model_fields["evidence_basis"].annotation is vocabulary.EcoCode
    assert Source.model_fields["source_type"].annotation is vocabulary.SourceType

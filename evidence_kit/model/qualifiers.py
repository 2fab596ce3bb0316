"""Claim qualifiers: the words that limit what a claim says (Biolink association qualifiers).

"Peeling usually does not leave scars", "some patients describe it as mildly
uncomfortable", "with shallow needling it does not break down tissue": the frequency,
the population and the context are part of the claim. They are recorded as structured
fields on the claim *and* on each assertion (what that passage states), so that the
validator can require every assertion of a claim to state the same qualifiers, and the
canonical statement to contain each qualifier's words (:func:`missing_phrases`).

>>> q = Qualifiers(frequency="usually", population="some patients")
>>> missing_phrases(q, "Some patients usually feel mild discomfort.")
[]
>>> missing_phrases(q, "Patients feel mild discomfort.")
[('frequency', 'usually'), ('population', 'some patients')]
"""

from __future__ import annotations

from pydantic import Field

from evidence_kit.model.fields import Record
from evidence_kit.model.vocabulary import FREQUENCIES, Frequency

QUALIFIER_FIELDS = ("frequency", "population", "context", "duration")
"""The qualifier fields, in the order they are published."""


class Qualifiers(Record):
    """What limits a claim: how often, for whom, under which condition, for how long."""

    frequency: Frequency = Field(
        default="not_stated",
        description="How regularly it holds, in the source's words (usually, in most cases, "
        "sometimes, uncommon ...); not_stated when the source says nothing.",
    )
    population: str | None = Field(
        default=None,
        min_length=1,
        description="Whom it is said of, when not everyone (e.g. 'some patients'); the words "
        "appear in the claim's statement.",
    )
    context: str | None = Field(
        default=None,
        min_length=1,
        description="The condition or context it is said under (e.g. 'with shallow needling', "
        "'if too much pressure is used'); the words appear in the claim's statement.",
    )
    duration: str | None = Field(
        default=None,
        min_length=1,
        description="How long it lasts, as stated (e.g. 'within a few days'); the words appear "
        "in the claim's statement.",
    )

    def phrases(self) -> list[tuple[str, str]]:
        """``(field, phrase)`` for every stated qualifier, as a statement must word it."""
        found = []
        if self.frequency != "not_stated":
            found.append(("frequency", FREQUENCIES[self.frequency]))
        for name in ("population", "context", "duration"):
            value = getattr(self, name)
            if value:
                found.append((name, value))
        return found


def missing_phrases(qualifiers: Qualifiers, statement: str) -> list[tuple[str, str]]:
    """The qualifier phrases ``statement`` does not contain (case-insensitive)."""
    text = statement.casefold()
    return [(f, p) for f, p in qualifiers.phrases() if p.casefold() not in text]

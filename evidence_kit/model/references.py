"""The foreign keys of the published tables as the engines check them.

:data:`REFERENCES` is read from ``TABLES[...].foreign_keys`` (claim_id and source_id of
assertions and evidence; claims' subject and each element of co_interventions and
outcomes into the vocabulary tables), plus ``claims.object_id``, which names a row of one
of :data:`~evidence_kit.model.tables.OBJECT_TABLES` (which one depends on the claim's
kind) and is checked against their union.  The record path and the Spark engine check
every one of them, and so does the fast path (:mod:`evidence_kit.checks.links`).
"""

from __future__ import annotations

from dataclasses import dataclass

from evidence_kit.model.columnrules import RECORD
from evidence_kit.model.tables import OBJECT_TABLES, TABLES


@dataclass(frozen=True)
class Reference:
    """A foreign key as the engines check it: each value of ``column`` (each element, when
    ``each_element``) on a valid row must be a key of one of ``targets``, ``(table, key
    column)`` pairs; otherwise EK302 naming :attr:`target` and the value."""

    column: str
    targets: tuple[tuple[str, str], ...]
    each_element: bool = False

    @property
    def target(self) -> str:
        """The referenced record in messages: ``claim``; ``condition, outcome or intervention``."""
        names = [RECORD[table].lower() for table, _ in self.targets]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _references(table: str) -> tuple[Reference, ...]:
    declared = TABLES[table]
    refs = [
        Reference(column, ((parent, key),), column in declared.lists)
        for column, parent, key in declared.foreign_keys
    ]
    if table == "claims":  # object_id names a row of one of OBJECT_TABLES, by the claim's kind
        union = tuple((name, TABLES[name].primary_key[0]) for name in OBJECT_TABLES)
        refs.append(Reference("object_id", union))
    return tuple(refs)


#: Every foreign key of every table, in the order its findings are listed.
REFERENCES: dict[str, tuple[Reference, ...]] = {name: _references(name) for name in TABLES}

#: Tables whose keys some reference needs.
REFERENCED: frozenset[str] = frozenset(
    t for refs in REFERENCES.values() for r in refs for t, _ in r.targets
)

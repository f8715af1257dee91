"""Loads the standards library from its YAML data files.

A data file is either a standard edition (it has `code`) or the correspondence between two
editions (it has `links`). Adding an edition or a standard means dropping one more file into the
directory. Every file is checked before anything is written, and the write is one transaction,
so a mistake in the data never leaves the library half loaded. Loading is idempotent: a file whose
SHA-256 matches the one recorded at the last load is not even compared clause by clause, so the
load can run on every deploy.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.fields.reverse_related import ManyToOneRel

from integrum.standards.loader.files import (
    ClauseSpec,
    CorrespondenceSpec,
    LibraryError,
    StandardSpec,
    read_library,
)
from integrum.standards.models import Clause, Correspondence, MandatoryDocument, Standard, clause_sort_key

__all__ = ["DATA_DIR", "LibraryError", "LoadReport", "load_library", "read_library"]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# The clause columns the data files decide, compared and written by the loader.
CLAUSE_FIELDS = [
    "title",
    "pdca",
    "untitled",
    "exclusion_allowed",
    "summary",
    "audit_questions",
    "parent_id",
    "depth",
    "is_leaf",
    "sort_key",
]


# --- What a load did -------------------------------------------------------------------------


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    @property
    def text(self) -> str:
        counts = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        return f"{counts}, {self.removed} removed"


@dataclass
class StandardResult(Counts):
    """Clause counts for one standard file; `skipped` when its digest showed it had not changed."""

    key: str = ""
    file: str = ""
    added: bool = False
    skipped: bool = False

    @property
    def summary(self) -> str:
        if self.skipped:
            return f"{self.key} ({self.file}): unchanged, {self.unchanged} clauses"
        return f"{self.key} ({self.file}): {'added' if self.added else 'updated'}, clauses {self.text}"


@dataclass
class CorrespondenceResult(Counts):
    """Link counts for one correspondence file."""

    from_key: str = ""
    to_key: str = ""
    file: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)

    @property
    def summary(self) -> str:
        return f"{self.from_key} ↔ {self.to_key} ({self.file}): links {self.text}"


@dataclass
class LoadReport:
    standards: list[StandardResult] = field(default_factory=list)
    correspondences: list[CorrespondenceResult] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(not s.skipped for s in self.standards) or any(c.changed for c in self.correspondences)

    def lines(self) -> list[str]:
        return [s.summary for s in self.standards] + [c.summary for c in self.correspondences]


# --- Writing ---------------------------------------------------------------------------------


def load_library(directory: Path = DATA_DIR) -> LoadReport:
    """Check every data file in `directory`, then bring the database in line with them at once."""
    standards, correspondences = read_library(directory)
    report = LoadReport()
    with transaction.atomic():
        removals: list[tuple[StandardSpec, list[Clause]]] = []
        for spec in standards:
            result, gone = _write_standard(spec)
            report.standards.append(result)
            if gone:
                removals.append((spec, gone))
        for correspondence in correspondences:
            report.correspondences.append(_write_correspondence(correspondence))
        _remove_clauses(removals)
    return report


def _write_standard(spec: StandardSpec) -> tuple[StandardResult, list[Clause]]:
    """Upsert one standard and its clauses; returns the clauses that left the file, still in place."""
    result = StandardResult(key=spec.key, file=spec.file)
    standard = Standard.objects.filter(code=spec.code, edition=spec.edition).first()
    if standard is not None and standard.data_digest == spec.digest:
        result.skipped, result.unchanged = True, len(spec.clauses)
        return result, []
    values = {
        "title": spec.title,
        "discipline": spec.discipline,
        "amendments": spec.amendments,
        "data_digest": spec.digest,
    }
    if standard is None:
        standard = Standard.objects.create(code=spec.code, edition=spec.edition, **values)
        result.added = True
    else:
        Standard.objects.filter(pk=standard.pk).update(**values)

    existing = {c.number: c for c in standard.clauses.prefetch_related("mandatory_documents")}
    ids: dict[str, int] = {}
    changed: list[Clause] = []
    documents_for: list[tuple[Clause, ClauseSpec]] = []
    levels: dict[int, list[ClauseSpec]] = defaultdict(list)
    for clause_spec in spec.clauses:
        levels[clause_spec.depth].append(clause_spec)
    for depth in sorted(levels):
        created: list[Clause] = []
        for clause_spec in levels[depth]:
            wanted = _clause_values(clause_spec, ids)
            clause = existing.get(clause_spec.number)
            if clause is None:
                clause = Clause(standard=standard, number=clause_spec.number, **wanted)
                created.append(clause)
                documents_for.append((clause, clause_spec))
                continue
            ids[clause.number] = clause.pk
            current_documents = [(d.kind, d.description) for d in clause.mandatory_documents.all()]
            if (
                all(getattr(clause, k) == v for k, v in wanted.items())
                and current_documents == clause_spec.documents
            ):
                result.unchanged += 1
                continue
            for name, value in wanted.items():
                setattr(clause, name, value)
            changed.append(clause)
            documents_for.append((clause, clause_spec))
        Clause.objects.bulk_create(created)
        ids.update((c.number, c.pk) for c in created)
        result.created += len(created)
    Clause.objects.bulk_update(changed, CLAUSE_FIELDS)
    result.updated = len(changed)
    MandatoryDocument.objects.filter(clause__in=changed).delete()
    MandatoryDocument.objects.bulk_create(
        MandatoryDocument(clause=clause, kind=kind, description=description, position=position)
        for clause, clause_spec in documents_for
        for position, (kind, description) in enumerate(clause_spec.documents, start=1)
    )
    numbers = {c.number for c in spec.clauses}
    gone = [clause for number, clause in existing.items() if number not in numbers]
    result.removed = len(gone)
    return result, gone


def _clause_values(spec: ClauseSpec, ids: dict[str, int]) -> dict[str, Any]:
    return {
        "title": spec.title,
        "pdca": spec.pdca,
        "untitled": spec.untitled,
        "exclusion_allowed": spec.exclusion_allowed,
        "summary": spec.summary,
        "audit_questions": spec.audit_questions,
        "parent_id": ids[spec.parent_number] if spec.parent_number else None,
        "depth": spec.depth,
        "is_leaf": spec.is_leaf,
        "sort_key": clause_sort_key(spec.number),
    }


def _write_correspondence(spec: CorrespondenceSpec) -> CorrespondenceResult:
    """Make the links between two standards exactly those of the file, in either direction."""
    result = CorrespondenceResult(from_key=spec.from_key, to_key=spec.to_key, file=spec.file)
    one, other = (Standard.objects.get(code=code, edition=edition) for code, edition in _editions(spec))
    left, right = (dict(standard.clauses.values_list("number", "pk")) for standard in (one, other))
    between = Correspondence.objects.filter(
        Q(from_clause__standard=one, to_clause__standard=other)
        | Q(from_clause__standard=other, to_clause__standard=one)
    )
    existing = {(c.from_clause_id, c.to_clause_id): c for c in between}
    created: list[Correspondence] = []
    changed: list[Correspondence] = []
    for link in spec.links:
        pair = (left[link.from_number], right[link.to_number])
        current = existing.pop(pair, None)
        if current is None:
            created.append(
                Correspondence(from_clause_id=pair[0], to_clause_id=pair[1], kind=link.kind, note=link.note)
            )
        elif (current.kind, current.note) != (link.kind, link.note):
            current.kind, current.note = link.kind, link.note
            changed.append(current)
        else:
            result.unchanged += 1
    Correspondence.objects.bulk_create(created)
    Correspondence.objects.bulk_update(changed, ["kind", "note"])
    Correspondence.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
    result.created, result.updated, result.removed = len(created), len(changed), len(existing)
    return result


def _editions(spec: CorrespondenceSpec) -> list[tuple[str, str]]:
    """The code and edition of both ends: `ISO 9001:2015` is ("ISO 9001", "2015")."""
    return [(key.rpartition(":")[0], key.rpartition(":")[2]) for key in (spec.from_key, spec.to_key)]


def _remove_clauses(removals: list[tuple[StandardSpec, list[Clause]]]) -> None:
    """Delete clauses that left their file, unless records elsewhere still point at them.

    A clause's own sub-clauses and documented information go with it. Anything else that refers
    to it (a gap-analysis item, a correspondence from a file not in this load) would lose its
    clause, so the whole load is refused instead and the clause stays until it is let go.
    """
    clauses = [clause for _, gone in removals for clause in gone]
    if not clauses:
        return
    references = _references([c.pk for c in clauses])
    problems = []
    for spec, gone in removals:
        for clause in gone:
            for (singular, plural), records in sorted(references.get(clause.pk, {}).items()):
                count = f"{len(records)} {singular if len(records) == 1 else plural}"
                problems.append(
                    f"{spec.file}, clause {clause.number}: no longer in the file, but {spec.key}/"
                    f"{clause.number} is still used by {count}; put the clause back or remove those first"
                )
    if problems:
        raise LibraryError(problems)
    Clause.objects.filter(pk__in=[c.pk for c in clauses]).delete()


def _references(clause_ids: list[int]) -> dict[int, dict[tuple[str, str], set[Any]]]:
    """Per clause, the records of each kind (by singular and plural name) that refer to it.

    The clause's own sub-clauses and documented information do not count. The referring models
    are found through the reverse relations, so `standards` never imports the apps that point at
    clauses. A row of a many-to-many table stands for the record that declares the field, so a
    record pointing at a clause both ways is counted once.
    """
    own = {(MandatoryDocument, "clause"), (Clause, "parent")}
    found: dict[int, dict[tuple[str, str], set[Any]]] = defaultdict(lambda: defaultdict(set))
    for relation in Clause._meta.get_fields(include_hidden=True):
        # Foreign keys onto Clause, including those of many-to-many tables; not the m2m itself.
        if not isinstance(relation, ManyToOneRel):
            continue
        model, field = relation.related_model, relation.field
        if not isinstance(model, type) or (model, field.name) in own:
            continue
        owner, owner_id = model, "pk"
        declaring = model._meta.auto_created
        if isinstance(declaring, type):
            owner = declaring
            owner_id = next(f.attname for f in model._meta.concrete_fields if f.related_model is declaring)
        label = (str(owner._meta.verbose_name), str(owner._meta.verbose_name_plural))
        rows = model._default_manager.filter(**{f"{field.name}__in": clause_ids}).values_list(
            field.attname, owner_id
        )
        for clause_id, record_id in rows:
            found[clause_id][label].add(record_id)
    return found

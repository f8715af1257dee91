"""The standards library: standards by edition, their clauses and how two standards correspond.

Reference data, loaded from the YAML files in `data/` by `integrum standards load`; never edited
through pages or the API.
"""

from __future__ import annotations

import re

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from integrum.core.models import OrganisationOwned


class Pdca(models.TextChoices):
    PLAN = "plan", "Plan"
    DO = "do", "Do"
    CHECK = "check", "Check"
    ACT = "act", "Act"


class Standard(models.Model):
    """One edition of a management-system standard, e.g. ISO 9001:2015 with Amd 1:2024."""

    code = models.CharField(max_length=40, help_text="e.g. ISO 9001")
    edition = models.CharField(max_length=10, help_text="e.g. 2015")
    title = models.CharField(max_length=200)
    discipline = models.CharField(max_length=40)
    amendments = models.JSONField(default=list, blank=True)
    data_digest = models.CharField(max_length=64, help_text="SHA-256 of the data file it was loaded from.")

    class Meta:
        ordering = ["code", "edition"]
        constraints = [models.UniqueConstraint(fields=["code", "edition"], name="standard_edition_unique")]

    def __str__(self) -> str:
        return self.key

    def get_absolute_url(self) -> str:
        return reverse("standards:standard_detail", args=[self.pk])

    @property
    def key(self) -> str:
        """The edition-qualified name used in clause references: `ISO 9001:2015`."""
        return f"{self.code}:{self.edition}"

    @property
    def display_order(self) -> tuple[int, ...]:
        """ISO 9001 before ISO 14001: by the numbers in the code, then the edition."""
        return (*(int(n) for n in re.findall(r"\d+", self.code)), int(self.edition or 0))

    @property
    def full_name(self) -> str:
        amendments = "".join(f"/{a}" for a in self.amendments)
        return f"{self.key}{amendments}"


class Clause(models.Model):
    """A clause or sub-clause of one standard edition, with our own summary and audit questions."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="clauses")
    number = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    pdca = models.CharField(max_length=10, choices=Pdca.choices)
    untitled = models.BooleanField(
        default=False, help_text="The standard gives no title; ours is descriptive."
    )
    exclusion_allowed = models.BooleanField(
        default=False, help_text="The organisation may declare this requirement not applicable."
    )
    summary = models.TextField()
    audit_questions = models.JSONField(default=list)
    is_leaf = models.BooleanField(default=True)
    depth = models.PositiveSmallIntegerField()
    sort_key = models.CharField(max_length=40, help_text="Number with zero-padded parts, for ordering.")

    class Meta:
        ordering = ["standard", "sort_key"]
        constraints = [models.UniqueConstraint(fields=["standard", "number"], name="clause_number_unique")]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("standards:clause_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        """`ISO 9001:2015/8.2.1`: the same number means different things in different standards."""
        return f"{self.standard.key}/{self.number}"

    @property
    def group(self) -> str:
        """The Harmonized Structure clause (4–10) this clause belongs to."""
        return self.number.split(".")[0]


def clause_sort_key(number: str) -> str:
    return ".".join(part.zfill(3) for part in number.split("."))


class MandatoryDocument(models.Model):
    """Documented information a clause requires: a document to maintain or a record to retain."""

    class Kind(models.TextChoices):
        MAINTAIN = "maintain", "Maintain (document)"
        RETAIN = "retain", "Retain (record)"

    clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="mandatory_documents")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    description = models.TextField()
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["clause", "position"]

    def __str__(self) -> str:
        return f"{self.clause.reference}: {self.description}"


class Correspondence(models.Model):
    """How a clause of one standard relates to a clause of another."""

    class Kind(models.TextChoices):
        EQUIVALENT = "equivalent", "Equivalent (assessed once for both)"
        RELATED = "related", "Related (assessed separately)"
        CLASH = "clash", "Same number, different subject"

    from_clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="correspondences_from")
    to_clause = models.ForeignKey(Clause, on_delete=models.CASCADE, related_name="correspondences_to")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["from_clause__sort_key", "to_clause__sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["from_clause", "to_clause"], name="correspondence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.from_clause.reference} ~ {self.to_clause.reference} ({self.kind})"


class ClauseLink(OrganisationOwned):
    """A record of an organisation that serves a clause: a document, later a process or a register entry.

    The record may live in any app to the right of `standards`, hence the content type.
    """

    clause = models.ForeignKey(Clause, on_delete=models.PROTECT, related_name="links")
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.CharField(max_length=64)
    target = GenericForeignKey("target_type", "target_id")

    class Meta:
        ordering = ["clause__sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["clause", "target_type", "target_id"], name="clauselink_unique"),
        ]
        indexes = [models.Index(fields=["target_type", "target_id"], name="clauselink_target")]

    def __str__(self) -> str:
        return f"{self.clause.reference} ← {self.target_type.model} {self.target_id}"

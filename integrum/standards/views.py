"""Pages of the standards library.

The library is reference data shared by every organisation, so these pages read it unscoped;
any signed-in member (the viewer role) may read it. What the organisation has that serves a
clause comes from `standards.evidence`, narrowed to the current organisation and the user. Each page costs a fixed number of queries,
however many clauses a standard has.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.views.generic import TemplateView

from integrum.core.permissions import READ
from integrum.core.views import ObjectListView, ObjectMixin, OrganisationMixin
from integrum.standards import evidence
from integrum.standards.filters import ClauseFilterSet
from integrum.standards.models import Clause, Correspondence, MandatoryDocument, Pdca, Standard

# The pair the side-by-side page opens with, when both are loaded.
DEFAULT_PAIR = ("ISO 9001:2015", "ISO 14001:2015")
# How a row of the side-by-side page reads when its two same-numbered clauses are linked.
STATUS_BY_KIND = {
    Correspondence.Kind.EQUIVALENT.value: "shared",
    Correspondence.Kind.CLASH.value: "clash",
    Correspondence.Kind.RELATED.value: "related",
}


class StandardListView(ObjectListView):
    model = Standard
    template_name = "standards/standard_list.html"
    required_role = READ

    def get_queryset(self) -> QuerySet[Any]:
        return Standard.objects.annotate(
            clause_count=Count("clauses", distinct=True),
            leaf_count=Count("clauses", filter=Q(clauses__is_leaf=True), distinct=True),
            document_count=Count("clauses__mandatory_documents", distinct=True),
        ).order_by("code", "edition")


class StandardDetailView(ObjectMixin, TemplateView):
    """The clause tree of one edition, narrowed by the same filters as the API's clause list.

    `?pdca=check` keeps one Plan-Do-Check-Act phase; `?q=` searches numbers, titles and summaries.
    """

    model = Standard
    template_name = "standards/standard_detail.html"
    required_role = READ

    def get_queryset(self) -> QuerySet[Any]:
        return Standard.objects.all()

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        clauses = self.object.clauses.annotate(document_count=Count("mandatory_documents")).order_by(
            "sort_key"
        )
        filterset = ClauseFilterSet(self.request.GET, queryset=clauses, request=self.request)
        valid = filterset.is_valid()
        # Coverage of the whole edition, whatever the filters show: the summary counts it all.
        covering = evidence.coverage(self.request.user, self.organisation, self.object.clauses.all())
        covered, required = evidence.totals(covering.values())
        phase = filterset.form.cleaned_data.get("pdca", "") if valid else ""
        per_phase = dict(self.object.clauses.order_by().values_list("pdca").annotate(n=Count("pk")))
        query = self.request.GET.copy()
        phases = []
        for value, label in [("", "All phases"), *Pdca.choices]:
            query["pdca"] = value
            count = per_phase.get(value, 0) if value else sum(per_phase.values())
            phases.append(
                {"label": label, "count": count, "active": value == phase, "query": query.urlencode()}
            )
        context.update(
            object=self.object,
            standard=self.object,
            filter=filterset,
            clauses=[
                (clause, covering.get(clause.pk)) for clause in (filterset.qs if valid else clauses.none())
            ],
            phase=Pdca(phase).label if phase else "",
            phases=phases,
            covered=covered,
            required=required,
        )
        return context


@dataclass
class Link:
    """A correspondence seen from one clause: the kind and the clause at the other end."""

    kind: str
    label: str
    other: Clause
    note: str = ""

    @property
    def is_clash(self) -> bool:
        return self.kind == Correspondence.Kind.CLASH


class ClauseDetailView(ObjectMixin, TemplateView):
    model = Clause
    template_name = "standards/clause_detail.html"
    required_role = READ

    def get_queryset(self) -> QuerySet[Any]:
        return Clause.objects.select_related("standard")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        clause = self.object
        parts = clause.number.split(".")
        prefixes = [".".join(parts[:n]) for n in range(1, len(parts))]
        ancestors = Clause.objects.filter(standard=clause.standard, number__in=prefixes).order_by("sort_key")
        correspondences = Correspondence.objects.filter(
            Q(from_clause=clause) | Q(to_clause=clause)
        ).select_related("from_clause__standard", "to_clause__standard")
        links = [
            Link(
                kind=c.kind,
                label=c.get_kind_display(),
                other=c.to_clause if c.from_clause_id == clause.pk else c.from_clause,
                note=c.note,
            )
            for c in correspondences
        ]
        links.sort(key=lambda link: (link.other.standard.key, link.other.sort_key))
        records = evidence.serving(self.request.user, self.organisation, [clause])
        covering = evidence.coverage(self.request.user, self.organisation, [clause], records=records)
        context.update(
            object=clause,
            clause=clause,
            standard=clause.standard,
            ancestors=ancestors,
            children=clause.children.annotate(document_count=Count("mandatory_documents")).order_by(
                "sort_key"
            ),
            documents=covering[clause.pk].items if clause.pk in covering else [],
            records=records[clause.pk],
            links=links,
            clashes=[link for link in links if link.is_clash],
            document_kinds=MandatoryDocument.Kind,
        )
        return context


@dataclass
class CompareRow:
    """One clause number across two standards, and how the two clauses of that number relate."""

    number: str
    sort_key: str
    left: Clause | None = None
    right: Clause | None = None
    relation: str = ""
    left_links: list[Link] = field(default_factory=list)
    right_links: list[Link] = field(default_factory=list)

    @property
    def status(self) -> str:
        """shared, clash, related, unlinked (same number, no link), left or right (only there)."""
        if self.left is None:
            return "right"
        if self.right is None:
            return "left"
        return STATUS_BY_KIND.get(self.relation, "unlinked")


class CompareView(OrganisationMixin, TemplateView):
    """Two standards side by side, one row per clause number (`?left=<id>&right=<id>`).

    Three queries: the standards, the clauses of both, the correspondences between them.
    """

    template_name = "standards/compare.html"
    required_role = READ

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        standards = list(Standard.objects.all())
        context["standards"] = standards
        if len(standards) < 2:
            return context
        by_key = {s.key: s for s in standards}
        defaults = [by_key[k] for k in DEFAULT_PAIR if k in by_key]
        if len(defaults) < 2:
            defaults = standards[:2]
        left = self.chosen("left", standards, defaults[0])
        right = self.chosen("right", standards, defaults[1])
        context.update(left=left, right=right)
        if left == right:
            context["same"] = True
            return context
        rows = compare_rows(left, right)
        context.update(rows=rows, totals=Counter(row.status for row in rows))
        return context

    def chosen(self, name: str, standards: list[Standard], default: Standard) -> Standard:
        value = self.request.GET.get(name)
        if not value:
            return default
        for standard in standards:
            if str(standard.pk) == value:
                return standard
        raise Http404("No such standard.")


def compare_rows(left: Standard, right: Standard) -> list[CompareRow]:
    """The rows of the side-by-side table, in clause order."""
    clauses = (
        Clause.objects.filter(standard__in=[left, right]).select_related("standard").order_by("sort_key")
    )
    rows: dict[str, CompareRow] = {}
    by_id: dict[int, Clause] = {}
    for clause in clauses:
        by_id[clause.pk] = clause
        row = rows.setdefault(clause.number, CompareRow(clause.number, clause.sort_key))
        if clause.standard_id == left.pk:
            row.left = clause
        else:
            row.right = clause
    between = Correspondence.objects.filter(
        Q(from_clause__standard=left, to_clause__standard=right)
        | Q(from_clause__standard=right, to_clause__standard=left)
    )
    kinds = dict(Correspondence.Kind.choices)
    others: dict[int, list[Link]] = defaultdict(list)
    for link in between.values("from_clause_id", "to_clause_id", "kind", "note"):
        one, two = by_id[link["from_clause_id"]], by_id[link["to_clause_id"]]
        if one.number == two.number:
            rows[one.number].relation = link["kind"]
            continue
        others[one.pk].append(Link(link["kind"], kinds[link["kind"]], two, link["note"]))
        others[two.pk].append(Link(link["kind"], kinds[link["kind"]], one, link["note"]))
    for row in rows.values():
        row.left_links = others.get(row.left.pk, []) if row.left else []
        row.right_links = others.get(row.right.pk, []) if row.right else []
    return sorted(rows.values(), key=lambda row: row.sort_key)

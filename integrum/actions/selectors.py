"""Reads across actions and the records that raised them: sources, source kinds and ageing.

Sources live in apps to the right of `actions`, so they are reached through content types only:
one query per kind of source on a page, each through the kind's `visible_to(user)`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from integrum.actions.models import Action

NO_SOURCE = "none"
NO_OWNER = "null"  # django-filter's value for "no owner" in a ModelChoiceFilter


# --- Sources -----------------------------------------------------------------------------------


def source_key(app_label: str, model: str) -> str:
    """The key of a kind of source in filters and the API, e.g. `improvement.nonconformity`."""
    return f"{app_label}.{model}"


def source_model(key: str) -> type[models.Model] | None:
    app_label, _, model_name = key.partition(".")
    try:
        return apps.get_model(app_label, model_name)
    except (LookupError, ValueError):
        return None


def source_label(key: str | None) -> str:
    """The kind of record, as people say it ("Compliance evaluation"); "No source" for none."""
    if not key:
        return "No source"
    model = source_model(key)
    if model is None:
        return key
    return str(model._meta.verbose_name).capitalize()


def source_choices(organisation_ids: Iterable[int]) -> list[tuple[str, str]]:
    """The kinds of record that raised actions of these organisations, then "No source" (one query).

    One EXISTS probe per content type on the (source_type, source_id) index: far cheaper than a
    DISTINCT over every action of the organisation.
    """
    used = Action.objects.filter(organisation_id__in=list(organisation_ids), source_type=OuterRef("pk"))
    keys = ContentType.objects.filter(Exists(used)).values_list("app_label", "model")
    choices = sorted(((source_key(*key), source_label(source_key(*key))) for key in keys), key=lambda c: c[1])
    return [*choices, (NO_SOURCE, "No source")]


def source_condition(key: str) -> Q:
    """The actions raised by records of kind `key` (or by none, for "none")."""
    if key == NO_SOURCE:
        return Q(source_type__isnull=True)
    app_label, _, model = key.partition(".")
    return Q(source_type__app_label=app_label, source_type__model=model)


@dataclass(frozen=True)
class SourceLink:
    """What a list shows of the record that raised an action."""

    kind: str
    label: str = ""
    url: str = ""


def _label(obj: models.Model) -> str:
    reference = getattr(obj, "reference", "")
    return str(reference) if reference else str(obj)


def _loadable(model: type[models.Model]) -> QuerySet[Any]:
    """The model's records with the rows their names usually need (non-null foreign keys) joined."""
    joins = [
        f.name
        for f in model._meta.concrete_fields
        if f.many_to_one and not f.null and f.related_model is not None
    ]
    return model._default_manager.select_related(*joins)


def attach_sources(actions: Sequence[Action], user: Any) -> None:
    """Set `source_link` on each action: one query per kind of source, through `visible_to(user)`.

    A source the user may not see (another site) or that no longer exists shows its kind only.
    The actions must come with `source_type` selected (`select_related("source_type")`).
    """
    wanted: dict[int, set[str]] = defaultdict(set)
    for action in actions:
        if action.source_type_id:
            wanted[action.source_type_id].add(action.source_id)
    found: dict[tuple[int, str], models.Model] = {}
    for type_id, ids in wanted.items():
        content_type = next(a.source_type for a in actions if a.source_type_id == type_id)
        model = content_type.model_class() if content_type is not None else None
        if model is None:
            continue
        queryset = _loadable(model)
        if hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(user)
        pk_field = model._meta.pk
        assert pk_field is not None
        clean_ids = []
        for raw in ids:
            try:
                clean_ids.append(pk_field.to_python(raw))
            except ValidationError:  # a malformed stored id finds nothing
                continue
        for obj in queryset.filter(pk__in=clean_ids):
            found[(type_id, str(obj.pk))] = obj
    for action in actions:
        if not action.source_type_id:
            action.source_link = None  # type: ignore[attr-defined]
            continue
        kind = str(action.source_type.name).capitalize() if action.source_type else ""
        obj = found.get((action.source_type_id, action.source_id))
        if obj is None:
            action.source_link = SourceLink(kind)  # type: ignore[attr-defined]
            continue
        url = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
        action.source_link = SourceLink(kind, _label(obj), url)  # type: ignore[attr-defined]


# --- Ageing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    """A range of whole days, `low` to `high` inclusive (`high` None: no upper end)."""

    key: str
    label: str
    low: int
    high: int | None


# Open actions by days since they were raised.
AGE_BUCKETS = (
    Bucket("0-30", "0–30 days", 0, 30),
    Bucket("31-90", "31–90 days", 31, 90),
    Bucket("91-180", "91–180 days", 91, 180),
    Bucket("181-365", "181–365 days", 181, 365),
    Bucket("over-365", "Over 365 days", 366, None),
)
# Overdue actions by days past their due date.
OVERDUE_BUCKETS = (
    Bucket("1-7", "1–7 days", 1, 7),
    Bucket("8-30", "8–30 days", 8, 30),
    Bucket("31-90", "31–90 days", 31, 90),
    Bucket("over-90", "Over 90 days", 91, None),
)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def age_condition(low: int | None, high: int | None, today: datetime.date) -> Q:
    """Actions raised between `low` and `high` whole days ago (by the local calendar)."""
    condition = Q()
    if low is not None:  # raised on or before today - low
        condition &= Q(created_at__lt=_start_of(today - datetime.timedelta(days=low - 1)))
    if high is not None:  # raised on or after today - high
        condition &= Q(created_at__gte=_start_of(today - datetime.timedelta(days=high)))
    return condition


def overdue_condition(low: int | None, high: int | None, today: datetime.date) -> Q:
    """Open actions between `low` and `high` days past their due date (at least one day)."""
    condition = Q(status__in=Action.OPEN_STATUSES, due_date__lt=today)
    if low is not None:
        condition &= Q(due_date__lte=today - datetime.timedelta(days=low))
    if high is not None:
        condition &= Q(due_date__gte=today - datetime.timedelta(days=high))
    return condition


@dataclass
class AgeingRow:
    """One owner or one kind of source, with a count per bucket of each table."""

    key: str  # owner id, or source key; NO_OWNER / NO_SOURCE for none
    label: str
    age: list[int] = field(default_factory=list)
    overdue: list[int] = field(default_factory=list)
    # False for a former member: the list's owner filter offers members only, so no link.
    linked: bool = True

    @property
    def age_total(self) -> int:
        return sum(self.age)

    @property
    def overdue_total(self) -> int:
        return sum(self.overdue)


@dataclass
class Ageing:
    today: datetime.date
    by_owner: list[AgeingRow]
    by_source: list[AgeingRow]
    total: AgeingRow
    age_buckets: tuple[Bucket, ...] = AGE_BUCKETS
    overdue_buckets: tuple[Bucket, ...] = OVERDUE_BUCKETS


def _counts(today: datetime.date) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    for i, bucket in enumerate(AGE_BUCKETS):
        counts[f"age_{i}"] = Count("pk", filter=age_condition(bucket.low, bucket.high, today))
    for i, bucket in enumerate(OVERDUE_BUCKETS):
        counts[f"overdue_{i}"] = Count("pk", filter=overdue_condition(bucket.low, bucket.high, today))
    return counts


def _row(key: str, label: str, values: dict[str, Any]) -> AgeingRow:
    return AgeingRow(
        key,
        label,
        [values[f"age_{i}"] for i in range(len(AGE_BUCKETS))],
        [values[f"overdue_{i}"] for i in range(len(OVERDUE_BUCKETS))],
    )


def _owner_name(first: str | None, last: str | None, email: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or email or ""


def ageing(actions: QuerySet[Action], today: datetime.date | None = None) -> Ageing:
    """Open actions in age buckets and overdue buckets, by owner and by source kind.

    Three queries whatever the number of actions: counts per (owner id, source type id) with a
    conditional count per bucket (no joins, so the database only groups two integers), then the
    owners' names and the kinds' names; added up here into the two breakdowns.
    """
    from integrum.core.models import Membership, User

    today = today or timezone.localdate()
    groups = list(
        actions.filter(status__in=Action.OPEN_STATUSES)
        .order_by()
        .values("owner_id", "source_type_id")
        .annotate(**_counts(today))
    )
    owner_ids = {values["owner_id"] for values in groups} - {None}
    # Still a member of an organisation these actions belong to?
    members = Membership.objects.filter(
        user_id=OuterRef("pk"), organisation_id__in=actions.order_by().values("organisation_id")
    )
    people = list(
        User.objects.filter(pk__in=owner_ids)
        .annotate(is_member=Exists(members))
        .values_list("pk", "first_name", "last_name", "email", "is_member")
    )
    names = {pk: _owner_name(first, last, email) for pk, first, last, email, _ in people}
    former = {pk for pk, *_, is_member in people if not is_member}
    type_ids = {values["source_type_id"] for values in groups} - {None}
    kinds = {
        pk: source_key(app_label, model)
        for pk, app_label, model in ContentType.objects.filter(pk__in=type_ids).values_list(
            "pk", "app_label", "model"
        )
    }
    owners: dict[str, AgeingRow] = {}
    sources: dict[str, AgeingRow] = {}
    total = AgeingRow("", "All", [0] * len(AGE_BUCKETS), [0] * len(OVERDUE_BUCKETS))
    for values in groups:
        counts = _row("", "", values)
        owner_id, type_id = values["owner_id"], values["source_type_id"]
        owner_key = str(owner_id) if owner_id else NO_OWNER
        owner_label = names.get(owner_id, "") if owner_id else "No owner"
        if owner_id in former:
            owner_label += " (no longer a member)"
        source = kinds.get(type_id, NO_SOURCE) if type_id else NO_SOURCE
        for rows, key, label in (
            (owners, owner_key, owner_label),
            (sources, source, source_label(None if source == NO_SOURCE else source)),
        ):
            row = rows.setdefault(
                key,
                AgeingRow(
                    key,
                    label,
                    [0] * len(AGE_BUCKETS),
                    [0] * len(OVERDUE_BUCKETS),
                    linked=rows is sources or owner_id not in former,
                ),
            )
            _add(row, counts)
        _add(total, counts)
    by_owner = sorted(owners.values(), key=lambda row: (row.key == NO_OWNER, row.label.lower()))
    by_source = sorted(sources.values(), key=lambda row: (row.key == NO_SOURCE, row.label.lower()))
    return Ageing(today, by_owner, by_source, total)


def _add(row: AgeingRow, counts: AgeingRow) -> None:
    row.age = [a + b for a, b in zip(row.age, counts.age, strict=True)]
    row.overdue = [a + b for a, b in zip(row.overdue, counts.overdue, strict=True)]


# --- Ageing as tables whose every count links to the list that shows those actions -------------

OPEN_QUERY = (("status", Action.Status.OPEN), ("status", Action.Status.IN_PROGRESS))


@dataclass(frozen=True)
class Cell:
    count: int
    query: str  # the action list's query string that shows exactly these actions


@dataclass(frozen=True)
class TableRow:
    key: str
    label: str
    cells: list[Cell]
    total: Cell


@dataclass(frozen=True)
class AgeingTable:
    key: str  # e.g. "age-owner"
    measure: str  # "age" or "overdue"
    by: str  # "owner" or "source"
    title: str
    buckets: tuple[Bucket, ...]
    rows: list[TableRow]
    total: TableRow


def _bucket_params(measure: str, bucket: Bucket | None) -> list[tuple[str, str]]:
    if bucket is None:
        return [("overdue", "true")] if measure == "overdue" else []
    params = [(f"{measure}_min", str(bucket.low))]
    if bucket.high is not None:
        params.append((f"{measure}_max", str(bucket.high)))
    return params


def _query(params: Iterable[tuple[str, str]]) -> str:
    from urllib.parse import urlencode

    return urlencode(list(params))


def _table_row(
    measure: str,
    by: str,
    key: str,
    label: str,
    counts: list[int],
    buckets: tuple[Bucket, ...],
    linked: bool = True,
) -> TableRow:
    if not linked:
        return TableRow(key, label, [Cell(count, "") for count in counts], Cell(sum(counts), ""))
    row_params = [(by, key)] if key else []
    cells = [
        Cell(count, _query([*OPEN_QUERY, *_bucket_params(measure, bucket), *row_params]))
        for count, bucket in zip(counts, buckets, strict=True)
    ]
    total = Cell(sum(counts), _query([*OPEN_QUERY, *_bucket_params(measure, None), *row_params]))
    return TableRow(key, label, cells, total)


def ageing_tables(report: Ageing) -> list[AgeingTable]:
    """The four tables of the ageing view: age and overdue, each by owner and by kind of source."""
    tables = []
    for measure, buckets, title in (
        ("age", report.age_buckets, "Open actions by days since raised"),
        ("overdue", report.overdue_buckets, "Overdue actions by days past due"),
    ):
        total_counts = report.total.age if measure == "age" else report.total.overdue
        for by, rows, by_title in (
            ("owner", report.by_owner, "owner"),
            ("source", report.by_source, "source"),
        ):
            table_rows = [
                _table_row(
                    measure,
                    by,
                    row.key,
                    row.label,
                    row.age if measure == "age" else row.overdue,
                    buckets,
                    linked=row.linked,
                )
                for row in rows
            ]
            if measure == "overdue":  # only those with something overdue
                table_rows = [row for row in table_rows if row.total.count]
            tables.append(
                AgeingTable(
                    f"{measure}-{by}",
                    measure,
                    by,
                    f"{title}, by {by_title}",
                    buckets,
                    table_rows,
                    _table_row(measure, by, "", "All", total_counts, buckets),
                )
            )
    return tables

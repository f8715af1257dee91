"""Writes with rules for environmental data (ISO 14001:2015 9.1.1): meters, readings, imports in
the background and the site figures that intensity ratios divide by.

Every way readings get in — a form, the API, the command line, an uploaded file — ends in
`readings.check` and `readings.commit`; this module adds who may do it and the batch's life cycle.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from integrum.core.changelog import acting_as, change_note
from integrum.core.files import check_upload, in_memory
from integrum.core.models import ObjectChange, Organisation, Site, User
from integrum.core.permissions import membership_in
from integrum.core.validation import check_known_fields
from integrum.measurement import readings, units
from integrum.measurement.models import Meter, MonthlyTotal, Reading, ReadingBatch, SiteFigure

logger = logging.getLogger(__name__)

Status = ReadingBatch.Status
IMPORT_EXTENSIONS = ("csv", "xlsx")
# The API takes at most this many readings in one request; larger sets go in as a file.
MAX_BULK_ROWS = 50_000
MAX_INTERVAL_MINUTES = 24 * 60

# The one table of allowed steps of a batch's life cycle (the worker moves it along).
BATCH_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.CHECKING: (Status.CHECKED, Status.INVALID, Status.COMMITTING, Status.FAILED),
    Status.CHECKED: (Status.COMMITTING,),
    Status.COMMITTING: (Status.COMMITTED, Status.INVALID, Status.FAILED),
    Status.COMMITTED: (Status.REVERTED,),
    Status.INVALID: (),
    Status.FAILED: (),
    Status.REVERTED: (),
}

METER_FIELDS = {
    "site",
    "code",
    "name",
    "kind",
    "unit",
    "reading_kind",
    "interval_minutes",
    "fuel",
    "waste_stream",
    "disposal_route",
    "supplier",
    "outlier_factor",
}


# --- Whose meters --------------------------------------------------------------------------------


def meters_for(user: User | None, organisation: Organisation) -> QuerySet[Meter]:
    """The meters of the organisation the user may enter readings for: those of their sites, or
    all of them (for the command line, `user` is None)."""
    meters = Meter.objects.filter(organisation=organisation)
    return meters if user is None else meters.visible_to(user)


def _check_site(organisation: Organisation, user: User | None, site: Site | None, *, required: bool) -> None:
    """The site must be the organisation's and, for someone limited to some sites, one of theirs;
    no site (the whole organisation) is only for those who work for all of them."""
    membership = membership_in(user, organisation.pk) if user is not None else None
    limited_to = membership.site_ids if membership is not None else []
    if site is None:
        if required:
            raise ValidationError({"site": "Choose the site."})
        if limited_to:
            raise ValidationError({"site": "You work for some sites only: choose one of them."})
        return
    if site.organisation_id != organisation.pk:
        raise ValidationError({"site": "Choose a site of the organisation."})
    if limited_to and site.pk not in limited_to:
        raise ValidationError({"site": f"You do not work for {site}: choose one of your sites."})


# --- Meters --------------------------------------------------------------------------------------


def _check_meter(meter: Meter, *, user: User | None, before: Meter | None) -> None:
    errors: dict[str, str] = {}
    meter.code = (meter.code or "").strip()
    meter.unit = (meter.unit or "").strip()
    meter.name = (meter.name or "").strip()
    if not meter.code:
        errors["code"] = "Give the code used in imports, e.g. the MPAN or an account number."
    elif (
        Meter.objects.filter(organisation_id=meter.organisation_id, code=meter.code)
        .exclude(pk=meter.pk)
        .exists()
    ):
        errors["code"] = f"Another meter already has the code {meter.code}."
    if meter.kind in Meter.DIMENSIONS:
        try:
            dimension = units.dimension_name(meter.unit)
        except units.UnitError as problem:
            errors["unit"] = str(problem)
        else:
            allowed = Meter.DIMENSIONS[Meter.Kind(meter.kind)]
            if dimension not in allowed:
                kind = Meter.Kind(meter.kind).label.lower()
                errors["unit"] = (
                    f"A {kind} meter is kept in {' or '.join(allowed)} units; {meter.unit} is {dimension}."
                )
    if meter.interval_minutes is not None and not 1 <= meter.interval_minutes <= MAX_INTERVAL_MINUTES:
        errors["interval_minutes"] = f"Give the interval in minutes, from 1 to {MAX_INTERVAL_MINUTES}."
    if meter.outlier_factor is not None and Decimal(meter.outlier_factor) <= 1:
        errors["outlier_factor"] = "Give a factor above 1, e.g. 3."
    changed = before is not None and (before.unit != meter.unit or before.reading_kind != meter.reading_kind)
    if changed and Reading.objects.filter(meter_id=meter.pk).exists():
        assert before is not None
        field = "unit" if before.unit != meter.unit else "reading_kind"
        errors[field] = (
            "The meter has readings, which are kept in its unit and way of reading: "
            "create a new meter instead (and deactivate this one)."
        )
    if errors:
        raise ValidationError(errors)
    _check_site(meter.organisation, user, meter.site if meter.site_id else None, required=True)
    meter.full_clean(exclude=["organisation", "site", "last_register", "last_register_at"])


@transaction.atomic
def meter_create(*, organisation: Organisation, user: User | None = None, **fields: Any) -> Meter:
    """Register a meter at one of the user's sites; its unit must fit its kind."""
    check_known_fields(fields, METER_FIELDS, "a meter")
    meter = Meter(organisation=organisation, **fields)
    _check_meter(meter, user=user, before=None)
    meter.save()
    return meter


@transaction.atomic
def meter_update(*, meter: Meter, version: int, user: User | None = None, **fields: Any) -> Meter:
    """Change a meter; its unit and way of reading are fixed once it has readings. Moving it to
    another site moves its monthly totals too."""
    check_known_fields(fields, METER_FIELDS, "a meter")
    before = Meter.objects.get(pk=meter.pk)
    if user is not None and "site" in fields:
        # Someone limited to some sites may not take a meter away from another one either.
        _check_site(meter.organisation, user, before.site, required=True)
    for name, value in fields.items():
        setattr(meter, name, value)
    meter.version = version
    _check_meter(meter, user=user, before=before)
    meter.save()
    if before.site_id != meter.site_id:
        totals = MonthlyTotal.objects.filter(meter=meter)
        months = sorted(totals.values_list("month", flat=True))
        totals.update(site_id=meter.site_id)
        if months:
            organisation_id = meter.organisation_id
            # In the same transaction: what is derived from the totals changes with them or not at all.
            readings.readings_committed.send(sender=Meter, organisation_id=organisation_id, months=months)
    return meter


@transaction.atomic
def meter_deactivate(*, meter: Meter) -> Meter:
    """A meter no longer in use keeps its readings but takes no new ones."""
    if not meter.is_active:
        raise ValidationError(f"Meter {meter.code} is already out of use.")
    meter.is_active = False
    with change_note(ObjectChange.Action.TRANSITION, "In use → Out of use"):
        meter.save()
    return meter


@transaction.atomic
def meter_reactivate(*, meter: Meter) -> Meter:
    if meter.is_active:
        raise ValidationError(f"Meter {meter.code} is already in use.")
    meter.is_active = True
    with change_note(ObjectChange.Action.TRANSITION, "Out of use → In use"):
        meter.save()
    return meter


@transaction.atomic
def meter_delete(*, meter: Meter) -> None:
    """Only a meter without readings can be deleted; one with readings is deactivated instead."""
    if Reading.objects.filter(meter_id=meter.pk).exists() or meter.last_register_at is not None:
        raise ValidationError(
            f"Meter {meter.code} has readings: deactivate it instead, so its data stays for reports."
        )
    MonthlyTotal.objects.filter(meter=meter).delete()
    meter.delete()


# --- Site figures --------------------------------------------------------------------------------


def _first_of_month(month: dt.date) -> dt.date:
    return month.replace(day=1)


def _check_figure(figure: SiteFigure, *, user: User | None) -> None:
    figure.month = _first_of_month(figure.month)
    figure.unit = (figure.unit or "").strip()
    if figure.value is None or Decimal(figure.value) < 0:
        raise ValidationError({"value": "Give a figure of zero or more."})
    _check_site(figure.organisation, user, figure.site if figure.site_id else None, required=False)
    same = SiteFigure.objects.filter(
        organisation_id=figure.organisation_id, kind=figure.kind, month=figure.month
    )
    same = same.filter(site_id=figure.site_id) if figure.site_id else same.filter(site__isnull=True)
    if same.exclude(pk=figure.pk).exists():
        where = figure.site.name if figure.site is not None else "the whole organisation"
        label = (
            SiteFigure.Kind(figure.kind).label.lower()
            if figure.kind in SiteFigure.Kind.values
            else figure.kind
        )
        raise ValidationError(
            {
                "month": f"There is already a {label} figure for {where} in {figure.month:%B %Y}: edit that one."
            }
        )
    figure.full_clean(exclude=["organisation", "site"])


@transaction.atomic
def site_figure_create(
    *,
    organisation: Organisation,
    user: User | None = None,
    kind: str,
    month: dt.date,
    value: Decimal,
    site: Site | None = None,
    unit: str = "",
) -> SiteFigure:
    """One figure per organisation, site (or none, for the whole organisation), kind and month."""
    figure = SiteFigure(organisation=organisation, site=site, kind=kind, month=month, value=value, unit=unit)
    _check_figure(figure, user=user)
    figure.save()
    return figure


@transaction.atomic
def site_figure_update(
    *, figure: SiteFigure, version: int, user: User | None = None, **fields: Any
) -> SiteFigure:
    check_known_fields(fields, {"site", "kind", "month", "value", "unit"}, "a site figure")
    if user is not None and "site" in fields:
        _check_site(figure.organisation, user, figure.site, required=False)
    for name, value in fields.items():
        setattr(figure, name, value)
    figure.version = version
    _check_figure(figure, user=user)
    figure.save()
    return figure


@transaction.atomic
def site_figure_delete(*, figure: SiteFigure, user: User | None = None) -> None:
    if user is not None:
        _check_site(figure.organisation, user, figure.site, required=False)
    figure.delete()


# --- Readings: one, many, a file -----------------------------------------------------------------


def _field_errors(result: readings.CheckResult, prefix: str = "") -> ValidationError:
    """Row errors as a ValidationError: a general sentence plus one entry per row and column."""
    errors: dict[str, list[str]] = {NON_FIELD_ERRORS: [result.summary()]}
    for problem in result.errors:
        key = f"{prefix}{problem['row']}.{problem['column']}" if prefix else problem["column"]
        errors.setdefault(key, []).append(problem["message"])
    return ValidationError(errors)


def readings_check_and_commit(
    *,
    organisation: Organisation,
    user: User | None,
    rows: Any,
    source: str,
    file_name: str = "",
    dry_run: bool = False,
    progress: readings.Progress | None = None,
    expected: int = 0,
) -> tuple[readings.CheckResult, ReadingBatch | None]:
    """Check rows and, when every row is good and it is not a dry run, commit them as one batch.

    Row errors are returned in the result (nothing is written); the command line and the API
    turn them into their own reports. The batch and its readings are written in one transaction.
    """
    meters = list(meters_for(user, organisation))
    result = readings.check(organisation, rows, meters=meters, progress=progress, expected=expected)
    if not result.ok or dry_run:
        return result, None
    with transaction.atomic():
        batch = ReadingBatch.objects.create(
            organisation=organisation,
            source=source,
            status=Status.COMMITTING,
            file_name=file_name,
            created_by=user,
            total_rows=result.total,
            processed_rows=result.total,
        )
        readings.commit(batch, result)
    return result, batch


def readings_enter(
    *,
    organisation: Organisation,
    user: User | None,
    meter: Meter,
    value: Decimal | str,
    unit: str = "",
    timestamp: dt.datetime | None = None,
    start: dt.datetime | dt.date | None = None,
    end: dt.datetime | dt.date | None = None,
    quality: str = "",
) -> ReadingBatch:
    """One reading from a form: a manual batch of one row, checked and committed like any other.

    Give `timestamp` for a register read or a reading of an interval meter, else `start` and `end`.
    Raises ValidationError naming the fields at fault; nothing is written then.
    """
    if (
        meter.organisation_id != organisation.pk
        or not meters_for(user, organisation).filter(pk=meter.pk).exists()
    ):
        raise ValidationError({"meter": "Choose one of the meters you may enter readings for."})

    def text(moment: dt.datetime | dt.date | None) -> str:
        return "" if moment is None else moment.isoformat()

    row = readings.Row(
        number=1,
        meter=meter.code,
        value=str(value),
        unit=(unit or "").strip(),
        timestamp=text(timestamp),
        start=text(start),
        end=text(end),
        quality=(quality or "").strip(),
    )
    with transaction.atomic():
        result, batch = readings_check_and_commit(
            organisation=organisation, user=user, rows=[row], source=ReadingBatch.Source.MANUAL
        )
        if not result.ok:
            raise _field_errors(result)
    assert batch is not None
    return batch


def readings_bulk(
    *,
    organisation: Organisation,
    user: User | None,
    items: Sequence[Any],
    dry_run: bool = False,
) -> tuple[readings.CheckResult, ReadingBatch | None]:
    """Readings sent as a list (the API): all of them or none. Each item is a mapping with
    `meter` (a code, or a meter id as a number), `timestamp` or `start` and `end`, `value`, and
    optionally `unit` and `quality`. Errors name `readings.<index>.<field>`."""
    if not isinstance(items, list | tuple) or not items:
        raise ValidationError({"readings": "Send a list of at least one reading."})
    if len(items) > MAX_BULK_ROWS:
        raise ValidationError(
            {"readings": f"Send at most {MAX_BULK_ROWS:,} readings in one request; upload a file for more."}
        )
    codes: dict[int, str] = {}
    ids = {item.get("meter") for item in items if isinstance(item, dict) and _is_id(item.get("meter"))}
    if ids:
        codes = dict(meters_for(user, organisation).filter(pk__in=ids).values_list("pk", "code"))
    rows: list[readings.Row] = []
    shape: dict[str, list[str]] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            shape[f"readings.{index}"] = ["Each reading is an object with meter, value and its time."]
            continue
        unknown = set(item) - {"meter", "timestamp", "start", "end", "value", "unit", "quality"}
        if unknown:
            shape[f"readings.{index}"] = [f"Unknown field(s): {', '.join(sorted(map(str, unknown)))}."]
            continue
        meter: Any = item.get("meter")
        if _is_id(meter):
            meter = codes.get(meter, f"#{meter}")
        rows.append(
            readings.Row(
                number=index,
                meter=_text(meter),
                value=_text(item.get("value")),
                unit=_text(item.get("unit")),
                timestamp=_text(item.get("timestamp")),
                start=_text(item.get("start")),
                end=_text(item.get("end")),
                quality=_text(item.get("quality")),
            )
        )
    if shape:
        raise ValidationError(
            {NON_FIELD_ERRORS: ["Some readings are not objects of the expected shape."], **shape}
        )
    with transaction.atomic():
        result, batch = readings_check_and_commit(
            organisation=organisation, user=user, rows=rows, source=ReadingBatch.Source.API, dry_run=dry_run
        )
        if not result.ok:
            raise _field_errors(result, prefix="readings.")
    return result, batch


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# --- Batches from files, in the background -------------------------------------------------------


def _transition(batch: ReadingBatch, to: str, message: str = "") -> None:
    if to not in BATCH_TRANSITIONS[batch.status]:
        raise ValidationError(
            f"A batch that is {batch.get_status_display().lower()} cannot become {Status(to).label.lower()}."
        )
    previous = batch.get_status_display()
    batch.status = to
    with change_note(ObjectChange.Action.TRANSITION, message or f"{previous} → {Status(to).label}"):
        batch.save()


@transaction.atomic
def batch_start(
    *,
    organisation: Organisation,
    user: User | None,
    name: str,
    data: bytes | UploadedFile,
    commit_when_valid: bool = False,
) -> ReadingBatch:
    """Keep an uploaded CSV or XLSX file of readings and queue its check (and, if asked, its
    commit when the check is clean) for the background worker.

    The file's size, kind and column headings are checked now; its rows in the background.
    """
    upload = in_memory(data, name) if isinstance(data, bytes) else data
    extension = readings.extension_of(name)
    if extension not in IMPORT_EXTENSIONS:
        raise ValidationError({"file": "Import a CSV or XLSX file."})
    try:
        checked = check_upload(upload)
        upload.seek(0)
        content = upload.read()
        next(readings.rows_from_file(checked.name, content), None)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from None
    batch = ReadingBatch(
        organisation=organisation,
        source=ReadingBatch.Source.IMPORT,
        status=Status.CHECKING,
        file_name=checked.name,
        commit_when_valid=commit_when_valid,
        created_by=user,
        total_rows=readings.count_rows(checked.name, content),
    )
    upload.seek(0)
    batch.file.save(checked.name, upload, save=False)
    batch.save()
    _enqueue(batch, user, commit=False)
    return batch


def _enqueue(batch: ReadingBatch, user: User | None, *, commit: bool) -> None:
    # Queued in the caller's transaction: with the database queue the task exists exactly when
    # the batch's new status does.
    from integrum.measurement.tasks import process_reading_batch

    process_reading_batch.enqueue(batch.pk, user.pk if user is not None else None, commit)
    batch.refresh_from_db()  # an immediate backend (tests) has already run it


@transaction.atomic
def batch_commit(*, batch: ReadingBatch, user: User | None) -> ReadingBatch:
    """Queue the commit of a checked batch. The worker checks the file again first, because the
    data may have changed since the dry run: then nothing is written."""
    batch = ReadingBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != Status.CHECKED:
        raise ValidationError(
            f"Only a checked batch can be committed; this one is {batch.get_status_display().lower()}."
        )
    batch.processed_rows = 0
    _transition(batch, Status.COMMITTING, "Checked → Committing")
    _enqueue(batch, user, commit=True)
    return batch


@transaction.atomic
def batch_revert(*, batch: ReadingBatch) -> ReadingBatch:
    """Take a committed batch's readings out again (and out of the monthly totals)."""
    batch = ReadingBatch.objects.select_for_update().get(pk=batch.pk)
    readings.revert(batch)
    return batch


def batch_process(*, batch_id: int, user_id: int | None, commit: bool) -> str:
    """The background work on a batch: check the file's rows, then stop at the dry run or commit.

    Runs outside any transaction except the commit's own, so the progress written every
    PROGRESS_EVERY rows is visible to the page at once. Returns the status it ended with.
    """
    batch = ReadingBatch.objects.filter(pk=batch_id).select_related("organisation").first()
    if batch is None:
        return "gone"
    if batch.status != (Status.COMMITTING if commit else Status.CHECKING):
        return str(batch.status)  # already done (a task run twice)
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    with acting_as(user, label="" if user is not None else "background import"):
        try:
            return _process(batch, user, commit=commit)
        except Exception:
            logger.exception("Reading batch %s failed", batch_id)
            # Whatever step it was in: a failure ends the batch, and nothing was committed.
            batch.refresh_from_db()
            batch.status = Status.FAILED
            batch.message = "Something went wrong on our side; nothing was committed. Try again, or ask your administrator."
            batch.finished_at = timezone.now()
            with change_note(ObjectChange.Action.TRANSITION, f"→ {Status.FAILED.label}"):
                batch.save()
            return str(batch.status)


def _process(batch: ReadingBatch, user: User | None, *, commit: bool) -> str:
    def progress(done: int, expected: int) -> None:
        ReadingBatch.objects.filter(pk=batch.pk).update(processed_rows=done, total_rows=expected)

    with batch.file.open("rb") as handle:
        content = handle.read()
    try:
        rows = readings.rows_from_file(batch.file_name, content)
        result = readings.check(
            batch.organisation,
            rows,
            meters=list(meters_for(user, batch.organisation)),
            progress=progress,
            expected=batch.total_rows or readings.count_rows(batch.file_name, content),
        )
    except ValidationError as error:
        return _invalid(batch, " ".join(error.messages))
    if not result.ok:
        return _invalid(batch, result.summary(), result)
    batch.total_rows = batch.processed_rows = result.total
    batch.warnings, batch.warning_count = result.warnings, result.warning_count
    if not (commit or batch.commit_when_valid):
        batch.message = result.summary() + " Nothing is stored until you commit them."
        batch.finished_at = timezone.now()
        _transition(batch, Status.CHECKED)
        return str(batch.status)
    if batch.status != Status.COMMITTING:
        _transition(batch, Status.COMMITTING, "Checked clean → Committing")
    try:
        readings.commit(batch, result)
    except ValidationError as error:
        batch.refresh_from_db()
        return _invalid(batch, " ".join(error.messages))
    return str(batch.status)


def _invalid(batch: ReadingBatch, message: str, result: readings.CheckResult | None = None) -> str:
    batch.message = message
    batch.finished_at = timezone.now()
    if result is not None:
        batch.total_rows = batch.processed_rows = result.total
        batch.errors, batch.error_count = result.errors, result.error_count
        batch.warnings, batch.warning_count = result.warnings, result.warning_count
    _transition(batch, Status.INVALID)
    return str(batch.status)

"""Demo data for Northwind Components Ltd: this year's audit programme with audits at every
stage, auditors, findings of each grade and one audit whose team is not independent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from integrum.audits import services
from integrum.audits.models import Audit, AuditProgramme
from integrum.context.models import Process
from integrum.core.changelog import acting_as
from integrum.core.dates import add_months
from integrum.core.models import Organisation, Site
from integrum.standards.models import Clause, Standard

FALLBACK_PROCESSES = [
    ("Sales and order handling", "david"),
    ("Purchasing and supplier control", "tom"),
    ("Machining and assembly", "gareth"),
    ("Goods-in, stores and dispatch", "jenny"),
    ("Waste and environmental controls", "sam"),
]


def _processes(organisation: Organisation, people: dict[str, Any]) -> list[Process]:
    from integrum.context.services import process_create

    found = list(
        Process.objects.filter(organisation=organisation, status=Process.Status.ACTIVE).order_by("number")
    )
    if len(found) >= 4:
        return found
    for name, owner in FALLBACK_PROCESSES:
        found.append(process_create(organisation=organisation, name=name, owner=people.get(owner)))
    return found


def _clauses(standard: Standard, *numbers: str) -> list[Clause]:
    return list(Clause.objects.filter(standard=standard, number__in=numbers))


def _answer_all(
    audit: Audit, user: Any, upto: int | None = None, special: dict[int, tuple[str, str]] | None = None
) -> None:
    special = special or {}
    for index, item in enumerate(audit.checklist.order_by("position")):
        if upto is not None and index >= upto:
            break
        answer, notes = special.get(index, ("conforming", "Records sampled; in order."))
        services.checklist_item_answer(item=item, answer=answer, notes=notes, user=user, version=item.version)


def _run(audit: Audit, user: Any, *steps: str) -> Audit:
    for step in steps:
        audit = services.audit_transition(audit=audit, to=step, user=user)
    return audit


def _dates(
    audit: Audit, started: dt.date, reported: dt.date | None = None, closed: dt.date | None = None
) -> None:
    # The steps stamp today's date; the demo's history happened earlier in the year.
    Audit.objects.filter(pk=audit.pk).update(started_on=started, reported_on=reported, closed_on=closed)


def _summary(audit: Audit, text: str) -> Audit:
    audit = Audit.objects.get(pk=audit.pk)
    return services.audit_update(audit=audit, version=audit.version, summary=text)


@transaction.atomic
def seed_audits(organisation: Organisation, people: dict[str, Any], today: dt.date) -> None:
    """A programme over the year around `today` with six audits: two closed, one reported, one in
    progress, two planned (one of them with an auditor owning an audited process)."""
    iso9001 = Standard.objects.get(code="ISO 9001")
    iso14001 = Standard.objects.get(code="ISO 14001")
    david, priya, tom, jenny = people["david"], people["priya"], people["tom"], people["jenny"]
    rot = Site.objects.filter(organisation=organisation, code="ROT").first()
    with acting_as(people["helen"]):
        processes = _processes(organisation, people)
        by_owner = {p.owner_id: p for p in processes if p.owner_id}
        purchasing = next((p for p in processes if "urchas" in p.name), processes[1])
        production = next((p for p in processes if "achin" in p.name or "roduc" in p.name), processes[2])
        environmental = next((p for p in processes if "aste" in p.name or "nviron" in p.name), processes[-1])
        documents = processes[0]
        start = add_months(today.replace(day=1), -6)
        programme = services.programme_create(
            organisation=organisation,
            title=f"Internal audit programme {start:%b %Y} – {add_months(start, 11):%b %Y}",
            start_date=start,
            end_date=add_months(start, 12) - dt.timedelta(days=1),
            standards=[iso9001, iso14001],
            manager=people["helen"],
            objectives="Cover every process of the integrated system at least once in the year; "
            "follow up last year's nonconformities in purchasing.",
            method="Frequency follows each process's risk and its last audit's findings (see the plan). "
            "Auditors never audit a process they own or work in.",
        )
        services.auditor_create(
            organisation=organisation,
            user=david,
            qualifications="ISO 9001 and ISO 14001 internal auditor course (2023); 6 years auditing.",
            standards=[iso9001, iso14001],
            own_processes=[p for p in processes if p.owner_id == david.pk],
        )
        services.auditor_create(
            organisation=organisation,
            user=priya,
            qualifications="IEMA environmental auditor course (2024).",
            standards=[iso14001, iso9001],
            own_processes=[environmental] if environmental.owner_id != priya.pk else [],
        )
        services.grade_definitions(organisation)

    # 1. Closed, with a minor nonconformity and an opportunity for improvement.
    with acting_as(david):
        first = services.audit_create(
            organisation=organisation,
            programme=programme,
            title="Purchasing and supplier control",
            scope="Supplier approval, purchase orders and incoming checks, both sites, last 12 months.",
            planned_start=today - dt.timedelta(days=150),
            planned_end=today - dt.timedelta(days=149),
            standards=[iso9001],
            clauses=_clauses(iso9001, "8.4"),
            processes=[purchasing],
            lead_auditor=priya,
            team=[david] if purchasing.owner_id != david.pk else [],
        )
        services.checklist_generate(audit=first)
    with acting_as(priya):
        first = _run(first, priya, "prepared", "in_progress")
        _answer_all(
            first,
            priya,
            special={0: ("nonconforming", "Two of 12 sampled suppliers had no approval record.")},
        )
        item = first.checklist.order_by("position").first()
        assert item is not None and item.clause is not None
        services.finding_create(
            audit=first,
            grade="minor",
            clause=item.clause,
            statement="Suppliers of machined castings were used without an approval record.",
            evidence="PO 24-1187 and 24-1203 to Dalton Castings; no entry in the approved supplier list.",
            user=priya,
            checklist_item=item,
            process=purchasing,
        )
        services.finding_create(
            audit=first,
            grade="ofi",
            clause=item.clause,
            statement="Supplier scorecards could use the delivery data already in the ERP.",
            evidence="Scorecards are filled by hand each quarter.",
            user=priya,
            process=purchasing,
        )
        _summary(first, "Purchasing is controlled; supplier approval lapsed for one supplier (minor).")
        first = _run(first, priya, "reported", "closed")
    _dates(
        first, today - dt.timedelta(days=150), today - dt.timedelta(days=145), today - dt.timedelta(days=100)
    )

    # 2. Closed, with an observation, at Rotherham.
    with acting_as(priya):
        second = services.audit_create(
            organisation=organisation,
            programme=programme,
            title="Operational control and aspects at Rotherham",
            scope="Environmental operational controls and the aspects register at Rotherham.",
            planned_start=today - dt.timedelta(days=95),
            planned_end=today - dt.timedelta(days=95),
            standards=[iso14001],
            clauses=_clauses(iso14001, "6.1.2", "8.1"),
            processes=[environmental],
            sites=[rot] if rot else [],
            lead_auditor=david,
        )
        services.checklist_generate(audit=second)
    with acting_as(david):
        second = _run(second, david, "prepared", "in_progress")
        _answer_all(
            second,
            david,
            special={1: ("observation", "Bunds inspected weekly, but the log skips two weeks in August.")},
        )
        item = second.checklist.order_by("position")[1]
        assert item.clause is not None
        services.finding_create(
            audit=second,
            grade="observation",
            clause=item.clause,
            statement="Weekly bund inspections were missed twice; a trend to watch.",
            evidence="Bund inspection log, weeks 33 and 34.",
            user=david,
            checklist_item=item,
            process=environmental,
            site=rot,
        )
        _summary(second, "Controls are in place and working; inspection records need attention.")
        second = _run(second, david, "reported", "closed")
    _dates(
        second, today - dt.timedelta(days=95), today - dt.timedelta(days=90), today - dt.timedelta(days=60)
    )

    # 3. Reported, clean.
    with acting_as(priya):
        third = services.audit_create(
            organisation=organisation,
            programme=programme,
            title="Control of documented information",
            scope="Document control and records at Sheffield.",
            planned_start=today - dt.timedelta(days=30),
            planned_end=today - dt.timedelta(days=30),
            standards=[iso9001],
            clauses=_clauses(iso9001, "7.5.2", "7.5.3"),
            processes=[documents],
            lead_auditor=priya,
        )
        services.checklist_generate(audit=third)
        third = _run(third, priya, "prepared", "in_progress")
        _answer_all(third, priya)
        _summary(third, "Documents and records are well controlled; no findings.")
        third = _run(third, priya, "reported")
    _dates(third, today - dt.timedelta(days=30), today - dt.timedelta(days=25))

    # 4. In progress, checklist partly answered.
    with acting_as(david):
        fourth = services.audit_create(
            organisation=organisation,
            programme=programme,
            title="Production and release of product",
            scope="Machining cells 1–4, final inspection and release, Sheffield.",
            planned_start=today - dt.timedelta(days=1),
            planned_end=today + dt.timedelta(days=1),
            standards=[iso9001],
            clauses=_clauses(iso9001, "8.5.1", "8.6"),
            processes=[production],
            lead_auditor=david,
            team=[priya],
        )
        services.checklist_generate(audit=fourth)
        services.checklist_item_add(
            audit=fourth, question="Are gauges in cell 3 within their calibration date?"
        )
        fourth = _run(fourth, david, "prepared", "in_progress")
        _answer_all(fourth, david, upto=3)
    _dates(fourth, today - dt.timedelta(days=1))

    # 5. Planned, not independent: the lead owns an audited process and a team member is not an auditor.
    owned = by_owner.get(tom.pk) or purchasing
    with acting_as(david):
        fifth = services.audit_create(
            organisation=organisation,
            programme=programme,
            title="Waste, emergencies and goods-in",
            scope="Waste segregation, spill response and goods-in at both sites.",
            planned_start=today + dt.timedelta(days=30),
            planned_end=today + dt.timedelta(days=31),
            standards=[iso14001, iso9001],
            clauses=_clauses(iso14001, "8.2") + _clauses(iso9001, "8.4.3"),
            processes=[environmental, owned],
            lead_auditor=tom,
            team=[jenny],
        )
        services.checklist_generate(audit=fifth)

        # 6. Planned, checklist still to build.
        services.audit_create(
            organisation=organisation,
            programme=programme,
            title="Management review, nonconformity and improvement",
            scope="Inputs and outputs of the last management review; corrective action process.",
            planned_start=today + dt.timedelta(days=75),
            planned_end=today + dt.timedelta(days=75),
            standards=[iso9001, iso14001],
            clauses=_clauses(iso9001, "9.3", "10.2") + _clauses(iso14001, "9.3", "10.2"),
            processes=[documents],
            lead_auditor=priya,
        )
    assert AuditProgramme.objects.filter(pk=programme.pk).exists()

"""Northwind's nonconformities for `integrum demo`: about a dozen over the last three years,
from every source and at every stage, each taken through `improvement.services` so that the
change log holds their real status history.

Findings of the audits app are used when the organisation has major or minor ones; otherwise
that source is skipped. A failed compliance evaluation already raised its own nonconformity
(the `evaluation_failed` receiver); it is taken on to corrective action here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from integrum.actions.models import Action
from integrum.actions.services import action_transition
from integrum.audits.models import NONCONFORMITY_GRADES, Finding
from integrum.core.changelog import acting_as
from integrum.core.management.commands.demo import DEMO_PASSWORD
from integrum.core.models import Organisation, Site, User
from integrum.improvement import services
from integrum.improvement.models import CauseEntry, Nonconformity

NC = Nonconformity
WHY = CauseEntry.Method.FIVE_WHYS
BONE = CauseEntry.Method.FISHBONE


def _analyse(
    nc: Nonconformity,
    *,
    whys: list[str],
    bones: list[tuple[str, str]],
    root_cause: str,
    category: str,
    similar: str,
    similar_note: str = "",
) -> Nonconformity:
    for text in whys:
        services.cause_add(nc=nc, method=WHY, text=text, is_root=text == whys[-1])
    for bone, text in bones:
        services.cause_add(nc=nc, method=BONE, category=bone, text=text)
    nc = Nonconformity.objects.get(pk=nc.pk)
    return services.nc_update(
        nc=nc,
        version=nc.version,
        root_cause=root_cause,
        cause_category=category,
        similar=similar,
        similar_note=similar_note,
    )


def _act(
    nc: Nonconformity, actions: list[tuple[str, User, int]], user: User, today: dt.date, done: int = 0
) -> list[Action]:
    """Plan the actions (title, owner, days from detection to due) and mark the first `done` done."""
    made = [
        services.nc_action_create(
            nc=nc,
            title=title,
            owner=owner,
            due_date=max(nc.detected_on + dt.timedelta(days=days), today - dt.timedelta(days=400)),
            priority=Action.Priority.HIGH if nc.severity != NC.Severity.MINOR else Action.Priority.MEDIUM,
            created_by=user,
        )
        for title, owner, days in actions
    ]
    for action in made[:done]:
        action_transition(action=action, to=Action.Status.DONE, outcome="Done as planned; records filed.")
    return made


def _backdate(nc: Nonconformity, today: dt.date, closed_days_ago: int) -> None:
    """Old closures happened in the past: their dates, not today's (queryset update, no log noise)."""
    closed = timezone.now() - dt.timedelta(days=closed_days_ago)
    Nonconformity.objects.filter(pk=nc.pk).update(
        closed_at=closed,
        effectiveness_checked_on=closed.date() if nc.effectiveness_checked_on else None,
        effectiveness_due=closed.date() if nc.effectiveness_due else None,
    )


@transaction.atomic
def seed_improvement(organisation: Organisation, people: dict[str, User], today: dt.date) -> None:
    david, priya, tom, jenny = people["david"], people["priya"], people["tom"], people["jenny"]
    sites = {site.code: site for site in Site.objects.filter(organisation=organisation)}
    shf, rot = sites.get("SHF"), sites.get("ROT")

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    # 1. A customer complaint two and a half years ago, closed effective.
    with acting_as(priya):
        nc = services.nc_create(
            organisation=organisation,
            title="Porosity in gearbox housings returned by Ashworth Pumps",
            description=(
                "Ashworth Pumps returned 38 gearbox housings from batch 2291: porosity on the sealing face "
                "caused leaks on their pressure test."
            ),
            detected_on=ago(900),
            user=priya,
            source=NC.Source.COMPLAINT,
            source_detail="Complaint CC-0412, Ashworth Pumps",
            site=shf,
            severity=NC.Severity.MAJOR,
            owner=priya,
            containment="Batches 2290-2293 quarantined; customer stock sorted by pressure test.",
            correction="38 housings scrapped and replaced from batch 2295 after 100 % leak test.",
        )
        _analyse(
            nc,
            whys=[
                "Gas porosity on the sealing face.",
                "Hydrogen content of the melt was high.",
                "Degassing was cut short on night shift.",
                "The degassing time was not in the work instruction, only known by day staff.",
            ],
            bones=[("method", "Degassing time not written down"), ("material", "Damp returns in the charge")],
            root_cause="Degassing time not specified in the melting work instruction.",
            category="method",
            similar=NC.Similar.COULD_OCCUR,
            similar_note="Furnace 1 uses the same practice; included in the action.",
        )
        _act(
            nc,
            [
                ("Add degassing time and density index check to WI-MELT-02", priya, 14),
                ("Train all melt shop shifts on the revised WI", tom, 30),
            ],
            priya,
            today,
            done=2,
        )
        services.nc_start_actions(nc=nc, user=priya)
        services.nc_request_verification(nc=nc, user=priya)
        nc = services.nc_record_effectiveness(
            nc=nc,
            result=NC.Effectiveness.EFFECTIVE,
            note="No porosity rejects in 14 batches since; density index in range on every melt.",
            user=priya,
        )
    _backdate(nc, today, 820)

    # 2. A supplier problem, closed effective.
    with acting_as(tom):
        nc = services.nc_create(
            organisation=organisation,
            title="Ingot delivery with the wrong alloy certificate",
            description="Delivery note 77812 listed LM25 but the certificate was for LM6; ingots held at goods-in.",
            detected_on=ago(610),
            user=tom,
            source=NC.Source.SUPPLIER,
            source_detail="Sheffield Alloys Ltd",
            site=shf,
            severity=NC.Severity.MINOR,
            owner=tom,
            containment="Ingots quarantined until a correct certificate arrived.",
        )
        _analyse(
            nc,
            whys=["The supplier sent the wrong certificate.", "Their dispatch picks certificates by hand."],
            bones=[("method", "Goods-in check relies on the delivery note only")],
            root_cause="Goods-in does not compare the certificate's alloy with the order.",
            category="method",
            similar=NC.Similar.NONE,
        )
        _act(nc, [("Add certificate check to the goods-in checklist", tom, 10)], tom, today, done=1)
        services.nc_start_actions(nc=nc, user=tom)
        services.nc_request_verification(nc=nc, user=tom)
        nc = services.nc_record_effectiveness(
            nc=nc,
            result=NC.Effectiveness.EFFECTIVE,
            note="Three wrong certificates caught at goods-in since.",
            user=tom,
        )
    _backdate(nc, today, 540)

    # 3. A process NC closed, then reopened when it came back; new actions under way.
    with acting_as(priya):
        nc = services.nc_create(
            organisation=organisation,
            title="Furnace 2 temperature drifting above the set point",
            description="Pour temperature 25 °C above the set point on three shifts; cold laps on thin sections.",
            detected_on=ago(430),
            user=priya,
            source=NC.Source.REPORT,
            site=shf,
            severity=NC.Severity.MINOR,
            owner=tom,
        )
        _analyse(
            nc,
            whys=["The controller read low.", "The thermocouple had aged."],
            bones=[("machine", "Thermocouple past its life"), ("measurement", "No calibration interval")],
            root_cause="No replacement interval for furnace thermocouples.",
            category="measurement",
            similar=NC.Similar.EXISTS,
            similar_note="Furnace 1 thermocouple also over two years old.",
        )
        _act(nc, [("Replace thermocouples on furnaces 1 and 2", tom, 7)], priya, today, done=1)
        services.nc_start_actions(nc=nc, user=priya)
        services.nc_request_verification(nc=nc, user=priya)
        nc = services.nc_record_effectiveness(
            nc=nc,
            result=NC.Effectiveness.EFFECTIVE,
            note="Temperatures on set point for 30 days.",
            user=priya,
        )
    with acting_as(david):
        nc = services.nc_reopen(nc=nc, user=david, reason="Drift back on furnace 2 after eight months.")
        _act(
            nc, [("Set a 6-monthly thermocouple calibration in the maintenance plan", tom, 460)], david, today
        )

    # 4. A complaint the manager closed with a signature: the customer ceased trading.
    with acting_as(david):
        nc = services.nc_create(
            organisation=organisation,
            title="Brackets returned with burrs on the mounting holes",
            description="Kelso Trailers returned 12 brackets: burrs on the mounting holes.",
            detected_on=ago(300),
            user=david,
            source=NC.Source.COMPLAINT,
            source_detail="Complaint CC-0467, Kelso Trailers",
            site=shf,
            severity=NC.Severity.MINOR,
            owner=priya,
            correction="Brackets deburred and returned.",
        )
        services.nc_close_signed(
            nc=nc,
            user=david,
            password=DEMO_PASSWORD,
            justification="Kelso Trailers ceased trading; the bracket is no longer made.",
        )

    # 5. Not effective at the first check: back to corrective action with a new action.
    with acting_as(priya):
        nc = services.nc_create(
            organisation=organisation,
            title="Coolant concentration out of range at the CNC cell",
            description="Refractometer readings 3-4 % against 6-8 % specified; rust spots on machined parts.",
            detected_on=ago(120),
            user=priya,
            source=NC.Source.PROCESS if _process(organisation) else NC.Source.REPORT,
            process=_process(organisation),
            site=shf,
            severity=NC.Severity.MINOR,
            owner=tom,
        )
        _analyse(
            nc,
            whys=["Top-ups were with water only.", "Operators did not know the mix ratio."],
            bones=[("people", "No training on coolant mixing"), ("method", "No mix chart at the machine")],
            root_cause="No mix ratio or check frequency defined for coolant top-ups.",
            category="method",
            similar=NC.Similar.NONE,
        )
        _act(nc, [("Post a mix chart at each machine", tom, 7)], priya, today, done=1)
        services.nc_start_actions(nc=nc, user=priya)
        services.nc_request_verification(nc=nc, user=priya)
        nc = services.nc_record_effectiveness(
            nc=nc,
            result=NC.Effectiveness.NOT_EFFECTIVE,
            note="Two readings below 5 % in the following month: the chart alone did not work.",
            user=priya,
        )
        _act(nc, [("Install a proportional mixer on the coolant supply", tom, 150)], priya, today)

    # 6. In verification, the check due next week.
    with acting_as(priya):
        nc = services.nc_create(
            organisation=organisation,
            title="Export cartons labelled for the wrong country",
            description="Shipment 8841 to Germany left with UK labels; customer relabelled on arrival.",
            detected_on=ago(60),
            user=priya,
            source=NC.Source.COMPLAINT,
            source_detail="Complaint CC-0502, Brenner Hydraulik GmbH",
            site=rot,
            severity=NC.Severity.MINOR,
            owner=jenny,
        )
        _analyse(
            nc,
            whys=[
                "The wrong label template was printed.",
                "Templates are chosen by hand in the label software.",
            ],
            bones=[("method", "Template chosen by hand")],
            root_cause="Label template not linked to the customer's country in the ERP.",
            category="method",
            similar=NC.Similar.COULD_OCCUR,
        )
        _act(nc, [("Link label templates to the delivery country", jenny, 20)], priya, today, done=1)
        services.nc_start_actions(nc=nc, user=priya)
        services.nc_request_verification(nc=nc, effectiveness_due=today + dt.timedelta(days=7), user=priya)

    # 7. From audit findings when there are any.
    findings = list(
        Finding.objects.filter(organisation=organisation, grade__in=NONCONFORMITY_GRADES)
        .select_related("clause")
        .order_by("number")[:2]
    )
    for index, finding in enumerate(findings):
        with acting_as(priya):
            nc = services.nc_create(
                organisation=organisation,
                title=f"{finding.get_grade_display()} against {finding.clause.number}"[:200],
                description=finding.statement,
                detected_on=min(today, finding.created_at.date()),
                user=priya,
                source=NC.Source.FINDING,
                finding=finding,
                owner=priya,
            )
            if index == 0:
                _analyse(
                    nc,
                    whys=["The requirement was not in the procedure."],
                    bones=[],
                    root_cause="The procedure had not been updated for the requirement.",
                    category="method",
                    similar=NC.Similar.NONE,
                )
                _act(nc, [("Revise the procedure and brief the team", priya, 30)], priya, today)
                services.nc_start_actions(nc=nc, user=priya)

    # 8. The NC raised by a failed compliance evaluation: analysed, corrective action under way.
    compliance = Nonconformity.objects.filter(
        organisation=organisation, source=NC.Source.COMPLIANCE, status=NC.Status.OPEN
    ).first()
    if compliance is not None:
        with acting_as(priya):
            _analyse(
                compliance,
                whys=[
                    "Waste codes were left off some transfer notes.",
                    "Nobody checks notes before signing.",
                ],
                bones=[("people", "Supervisors not trained on waste codes")],
                root_cause="No check of transfer notes before they are signed.",
                category="people",
                similar=NC.Similar.EXISTS,
                similar_note="Same gap at Rotherham.",
            )
            _act(compliance, [("Brief supervisors on waste codes and note checks", priya, 30)], priya, today)
            services.nc_start_actions(nc=Nonconformity.objects.get(pk=compliance.pk), user=priya)

    # 9. Quick reports: one triaged and open, two awaiting triage, one rejected.
    with acting_as(jenny):
        spill = services.nc_report(
            organisation=organisation,
            user=jenny,
            title="Spill kit empty at the Rotherham loading bay",
            description="Used on a diesel spill last week and not refilled.",
            site=rot,
            detected_on=ago(9),
        )
    with acting_as(david):
        nc = services.nc_triage(nc=spill, severity=NC.Severity.MINOR, owner=jenny, user=david)
        services.nc_update(
            nc=nc, version=nc.version, containment="Spill kit borrowed from the Sheffield yard the same day."
        )
    with acting_as(jenny):
        services.nc_report(
            organisation=organisation,
            user=jenny,
            title="Forklift leaking oil in bay 3",
            description="Small puddle under forklift FL-04 every morning.",
            site=rot,
            detected_on=ago(2),
        )
    with acting_as(tom):
        services.nc_report(
            organisation=organisation,
            user=tom,
            title="Fire door to the fettling shop wedged open",
            description="Wedged with a block of wood on the afternoon shift.",
            site=shf,
            detected_on=ago(1),
        )
        rejected = services.nc_report(
            organisation=organisation,
            user=tom,
            title="Canteen coffee machine broken",
            description="No coffee since Monday.",
            site=shf,
            detected_on=ago(40),
        )
    with acting_as(david):
        services.nc_reject(
            nc=rejected, reason="A facilities request, not a nonconformity: passed to facilities.", user=david
        )


def _process(organisation: Organisation) -> Any:
    from integrum.context.models import Process

    return Process.objects.filter(organisation=organisation).order_by("number").first()

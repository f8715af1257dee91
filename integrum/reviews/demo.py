"""Northwind's management reviews for `integrum demo`: last year's, signed, with minutes on most
inputs and three decisions whose actions are partly done; this year's, compiled from live data
and waiting for the meeting. Seeded last, after the audits and nonconformities, since compiling
reads every other register."""

from __future__ import annotations

import datetime as dt
from typing import Any

from integrum.actions.models import Action
from integrum.actions.services import action_transition
from integrum.core.changelog import acting_as
from integrum.core.dates import add_months
from integrum.core.management.commands.demo import DEMO_PASSWORD  # the chair signs with it
from integrum.core.models import Organisation
from integrum.reviews import services
from integrum.reviews.models import ManagementReview, ReviewOutput
from integrum.standards.models import Standard

__all__ = ["DEMO_PASSWORD", "seed_reviews"]


MINUTES = {
    "previous_actions": "First integrated review: no earlier decisions to follow up.",
    "context_changes": "Energy prices and the new e-mobility customer discussed; flood risk on the Don "
    "added to the issues register. Climate change agreed to be relevant.",
    "interested_parties": "Carbon-data requests from both automotive customers are now requirements. "
    "Environment Agency permit variation noted.",
    "significant_aspects": "Melt-shop gas use and foundry sand to landfill remain significant.",
    "risks_opportunities": "Supplier concentration risk on ingot still high; mitigation actions on track.",
    "customer_satisfaction": "Scorecards: 96 % on-time delivery, quality PPM 180 against 150 target.",
    "objectives": "Energy objective on track; scrap objective behind plan (see decisions).",
    "process_performance": "Machining OEE 71 %; casting yield 88 %.",
    "nonconformities": "Porosity remains the main cause; 6M analysis points to method and material.",
    "monitoring_results": "Electricity down 4 % year on year; gas flat.",
    "compliance": "All evaluations completed; trade effluent consent partly compliant in March.",
    "audit_results": "Internal audit programme complete; two minor findings open.",
    "external_providers": "Ingot supplier late twice; heat-treatment subcontractor excellent.",
    "readiness": "Gap analysis shows the environmental clauses behind the quality ones.",
}

MANUAL = {
    "customer_satisfaction": "Automotive scorecards for the year: OTD 96 %, PPM 180. Two formal complaints.",
    "process_performance": "OEE and yield from the operations pack; product conformity 99.2 % first pass.",
    "external_providers": "Annual supplier evaluation: 14 approved suppliers, 1 on probation (ingot).",
}

OUTPUTS: list[tuple[str, str, str, str, int, str]] = [
    # (kind, decision, input key, owner, due in months from the meeting, outcome state)
    (
        ReviewOutput.Kind.RESOURCES,
        "Fund a second degassing unit for the melt shop to cut porosity.",
        "nonconformities",
        "david",
        4,
        "done",
    ),
    (
        ReviewOutput.Kind.OBJECTIVES,
        "Re-plan the scrap objective with monthly checkpoints and a named owner per cell.",
        "objectives",
        "tom",
        3,
        "in_progress",
    ),
    (
        ReviewOutput.Kind.CHANGE,
        "Bring the Rotherham warehouse into the environmental scope with its own aspects review.",
        "context_changes",
        "priya",
        14,
        "open",
    ),
]


def seed_reviews(organisation: Organisation, people: dict[str, Any], today: dt.date) -> None:
    """Last year's signed review and this year's compiled one (skipped if reviews exist)."""
    if ManagementReview.objects.filter(organisation=organisation).exists():
        return
    helen, david = people["helen"], people["david"]
    attendees = [people[key] for key in ("helen", "david", "priya", "tom", "mark") if key in people]
    chosen = list(Standard.objects.filter(code__in=["ISO 9001", "ISO 14001"], edition="2015"))
    last_meeting = add_months(today, -10)
    with acting_as(helen):
        last = services.review_create(
            organisation=organisation,
            title=f"Management review {last_meeting.year}",
            standards=chosen,
            scheduled_for=last_meeting,
            period_start=add_months(last_meeting, -12),
            chair=helen,
            attendees=attendees,
            other_attendees="Sam Rahman (consultant)",
        )
        services.review_compile(review=last)
        for item in last.inputs.all():
            if item.key not in MINUTES:
                continue
            services.input_update(
                review_input=item,
                version=item.version,
                minutes=MINUTES[item.key],
                manual=MANUAL.get(item.key),
            )
        for kind, decision, key, owner, months, state in OUTPUTS:
            output = services.output_create(
                review=last,
                kind=kind,
                decision=decision,
                input_key=key,
                owner=people.get(owner),
                due_date=add_months(last_meeting, months),
                created_by=helen,
            )
            if output.action is None:
                continue
            if state == "done":
                with acting_as(people.get(owner) or helen):
                    action_transition(
                        action=output.action,
                        to=Action.Status.DONE,
                        outcome="Second degassing unit commissioned; porosity rejects halved since.",
                    )
            elif state == "in_progress":
                with acting_as(people.get(owner) or helen):
                    action_transition(action=output.action, to=Action.Status.IN_PROGRESS)
        last.refresh_from_db()
        services.review_update(
            review=last,
            version=last.version,
            held_on=last_meeting,
            conclusions=(
                "The integrated system is suitable for a two-site business and adequate in resources after the "
                "degassing investment. It is effective for quality; environmental performance is improving but "
                "the Rotherham site needs bringing fully into scope."
            ),
        )
        services.review_sign(review=last, user=helen, password=DEMO_PASSWORD)

    with acting_as(helen):
        current = services.review_create(
            organisation=organisation,
            title=f"Management review {today.year}",
            standards=chosen,
            scheduled_for=today + dt.timedelta(days=14),
            chair=helen,
            attendees=attendees,
        )
        services.review_compile(review=current)
    with acting_as(david):
        for item in current.inputs.filter(key__in=["previous_actions", "objectives"]):
            services.input_update(
                review_input=item,
                version=item.version,
                minutes="Pre-read done; to be confirmed at the meeting.",
            )

"""The environment registers in and out of spreadsheets (`core.tabular`)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from integrum.core.models import Site, User
from integrum.core.tabular import Column, RegisterSpec
from integrum.environment import services
from integrum.environment.models import Aspect, ComplianceEvaluation, ComplianceObligation


def _choice(value: str, choices: list[tuple[str, str]], header: str, default: str) -> str:
    text = value.strip().lower()
    if not text:
        return default
    for stored, label in choices:
        if text in (stored.lower(), str(label).lower()):
            return stored
    options = ", ".join(str(label) for _, label in choices)
    raise ValidationError({header: f"“{value}” is not one of: {options}."})


def _split(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n]", value) if part.strip()]


def _sites(value: str, organisation: Any) -> list[Site]:
    codes = [code.upper() for code in _split(value)]
    if not codes:
        return []
    found = {
        site.code.upper(): site for site in Site.objects.filter(organisation=organisation, code__in=codes)
    }
    missing = [code for code in codes if code not in found]
    if missing:
        raise ValidationError({"Sites": f"No site has the code {', '.join(missing)}."})
    return [found[code] for code in codes]


def _member(value: str, organisation: Any, header: str) -> User | None:
    email = value.strip().lower()
    if not email:
        return None
    user = User.objects.filter(email__iexact=email, memberships__organisation=organisation).first()
    if user is None:
        raise ValidationError({header: f"{value} is not a member of the organisation."})
    return user


def _date(value: str, header: str) -> datetime.date | None:
    text = value.strip()
    if not text:
        return None
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        raise ValidationError({header: f"“{value}” is not a date; write it as YYYY-MM-DD."}) from None


def _people(user: User | None) -> str:
    return user.email if user else ""


class AspectSpec(RegisterSpec):
    name = "aspects"
    columns = (
        Column("Reference", help="Left empty on import: numbers are given on creation."),
        Column("Activity", required=True, help="Activity, product or service."),
        Column("Aspect", required=True),
        Column("Impact", required=True),
        Column("Impact type", help="Adverse or Beneficial."),
        Column("Condition", help="Normal, Abnormal or Emergency."),
        Column("Life-cycle stage"),
        Column("Control or influence", help="Can control or Can influence."),
        Column("Existing controls"),
        Column("Obligations", help="References of compliance obligations, separated by commas."),
        Column("Sites", help="Site codes, separated by commas; empty: all sites."),
        Column("Owner", help="Email of a member."),
        Column("Score", help="Exported only."),
        Column("Significant", help="Exported only."),
    )

    def parse_row(self, values: dict[str, str], *, organisation: Any, user: Any) -> dict[str, Any]:
        if values.get("Reference"):
            raise ValidationError(
                {"Reference": "Leave the reference empty: new aspects are numbered on import."}
            )
        if values.get("Score") or values.get("Significant"):
            raise ValidationError({"Score": "Scores are not imported: score each aspect on its page."})
        A = Aspect
        data: dict[str, Any] = {
            "activity": values["Activity"][:200],
            "aspect": values["Aspect"][:200],
            "impact": values["Impact"][:300],
            "impact_type": _choice(
                values.get("Impact type", ""), A.ImpactType.choices, "Impact type", A.ImpactType.ADVERSE
            ),
            "condition": _choice(
                values.get("Condition", ""), A.Condition.choices, "Condition", A.Condition.NORMAL
            ),
            "lifecycle_stage": _choice(
                values.get("Life-cycle stage", ""),
                A.LifeCycleStage.choices,
                "Life-cycle stage",
                A.LifeCycleStage.PRODUCTION,
            ),
            "control": _choice(
                values.get("Control or influence", ""),
                A.Control.choices,
                "Control or influence",
                A.Control.CONTROL,
            ),
            "existing_controls": values.get("Existing controls", ""),
            "sites": _sites(values.get("Sites", ""), organisation),
            "owner": _member(values.get("Owner", ""), organisation, "Owner"),
        }
        references = [ref.upper() for ref in _split(values.get("Obligations", ""))]
        obligations = {
            o.reference.upper(): o
            for o in ComplianceObligation.objects.filter(organisation=organisation, reference__in=references)
        }
        missing = [ref for ref in references if ref not in obligations]
        if missing:
            raise ValidationError({"Obligations": f"No obligation has the reference {', '.join(missing)}."})
        data["obligations"] = [obligations[ref] for ref in references]
        clash = Aspect.objects.filter(
            organisation=organisation,
            activity__iexact=data["activity"],
            aspect__iexact=data["aspect"],
            condition=data["condition"],
        ).first()
        if clash is not None:
            raise ValidationError({"row": f"{clash.reference} already records this aspect of this activity."})
        return data

    def unique_key(self, data: dict[str, Any]) -> Any:
        return (data["activity"].lower(), data["aspect"].lower(), data["condition"])

    def create(self, data: dict[str, Any], *, organisation: Any, user: Any) -> Aspect:
        return services.aspect_create(organisation=organisation, **data)

    def export_row(self, obj: Aspect) -> list[Any]:
        return [
            obj.reference,
            obj.activity,
            obj.aspect,
            obj.impact,
            obj.get_impact_type_display(),
            obj.get_condition_display(),
            obj.get_lifecycle_stage_display(),
            obj.get_control_display(),
            obj.existing_controls,
            ", ".join(o.reference for o in obj.obligations.all()),
            ", ".join(site.code for site in obj.sites.all()),
            _people(obj.owner),
            float(obj.score) if obj.score is not None else None,
            ("Yes" if obj.significant else "No") if obj.assessed_at else "",
        ]


class ObligationSpec(RegisterSpec):
    name = "compliance obligations"
    columns = (
        Column("Reference", help="Left empty on import."),
        Column("Title", required=True),
        Column("Kind", help="Legal requirement or Other requirement."),
        Column("Source reference"),
        Column("Jurisdiction"),
        Column("Issuer"),
        Column("Summary"),
        Column("Activities"),
        Column("Sites", help="Site codes, separated by commas; empty: all sites."),
        Column("Owner", required=True, help="Email of a member."),
        Column("Evaluate every (months)", help="1 to 120; default 12."),
        Column("First evaluation due", help="YYYY-MM-DD; default: one period from today."),
        Column("Status", help="Exported only."),
    )

    def parse_row(self, values: dict[str, str], *, organisation: Any, user: Any) -> dict[str, Any]:
        if values.get("Reference"):
            raise ValidationError(
                {"Reference": "Leave the reference empty: new obligations are numbered on import."}
            )
        if values.get("Status") and values["Status"].lower() not in ("active", ""):
            raise ValidationError({"Status": "Only active obligations are imported."})
        months_text = values.get("Evaluate every (months)", "").strip() or "12"
        if not months_text.isdigit() or not 1 <= int(months_text) <= services.MAX_MONTHS:
            raise ValidationError(
                {"Evaluate every (months)": f"Give a whole number of months from 1 to {services.MAX_MONTHS}."}
            )
        C = ComplianceObligation
        data: dict[str, Any] = {
            "title": values["Title"][:200],
            "kind": _choice(values.get("Kind", ""), C.Kind.choices, "Kind", C.Kind.LEGAL),
            "source_reference": values.get("Source reference", "")[:300],
            "jurisdiction": values.get("Jurisdiction", "")[:120],
            "issuer": values.get("Issuer", "")[:200],
            "summary": values.get("Summary", ""),
            "activities": values.get("Activities", ""),
            "sites": _sites(values.get("Sites", ""), organisation),
            "owner": _member(values.get("Owner", ""), organisation, "Owner"),
            "evaluation_frequency_months": int(months_text),
            "first_evaluation_due": _date(values.get("First evaluation due", ""), "First evaluation due"),
        }
        clash = C.objects.filter(
            Q(title__iexact=data["title"]) & Q(source_reference__iexact=data["source_reference"]),
            organisation=organisation,
        ).first()
        if clash is not None:
            raise ValidationError({"row": f"{clash.reference} already records this obligation."})
        return data

    def unique_key(self, data: dict[str, Any]) -> Any:
        return (data["title"].lower(), data["source_reference"].lower())

    def create(self, data: dict[str, Any], *, organisation: Any, user: Any) -> ComplianceObligation:
        return services.obligation_create(organisation=organisation, **data)

    def export_row(self, obj: ComplianceObligation) -> list[Any]:
        return [
            obj.reference,
            obj.title,
            obj.get_kind_display(),
            obj.source_reference,
            obj.jurisdiction,
            obj.issuer,
            obj.summary,
            obj.activities,
            ", ".join(site.code for site in obj.sites.all()),
            _people(obj.owner),
            obj.evaluation_frequency_months,
            None,
            obj.get_status_display(),
        ]


class EvaluationSpec(RegisterSpec):
    name = "compliance evaluations"
    columns = (
        Column("Reference", help="Left empty on import."),
        Column("Obligation", required=True, help="Reference of the obligation, e.g. OBL-001."),
        Column("Due date", required=True, help="YYYY-MM-DD."),
        Column("Evaluator", help="Email of a member; default: the obligation's owner."),
        Column("Status", help="Exported only."),
        Column("Result", help="Exported only: record results on the evaluation's page."),
        Column("Evaluated on", help="Exported only."),
        Column("Evidence", help="Exported only."),
        Column("Next due", help="Exported only."),
    )

    def parse_row(self, values: dict[str, str], *, organisation: Any, user: Any) -> dict[str, Any]:
        if values.get("Reference"):
            raise ValidationError(
                {"Reference": "Leave the reference empty: new evaluations are numbered on import."}
            )
        for header in ("Result", "Evaluated on", "Evidence", "Next due"):
            if values.get(header):
                raise ValidationError(
                    {header: "The import schedules evaluations; record results on each evaluation's page."}
                )
        obligation = ComplianceObligation.objects.filter(
            organisation=organisation, reference__iexact=values["Obligation"].strip()
        ).first()
        if obligation is None:
            raise ValidationError({"Obligation": f"No obligation has the reference {values['Obligation']}."})
        if obligation.status != ComplianceObligation.Status.ACTIVE:
            raise ValidationError(
                {"Obligation": f"{obligation.reference} is withdrawn: it is no longer evaluated."}
            )
        return {
            "obligation": obligation,
            "due_date": _date(values["Due date"], "Due date"),
            "evaluator": _member(values.get("Evaluator", ""), organisation, "Evaluator"),
        }

    def unique_key(self, data: dict[str, Any]) -> Any:
        return (data["obligation"].pk, data["due_date"])

    def create(self, data: dict[str, Any], *, organisation: Any, user: Any) -> ComplianceEvaluation:
        return services.evaluation_schedule(**data)

    def export_row(self, obj: ComplianceEvaluation) -> list[Any]:
        return [
            obj.reference,
            obj.obligation.reference,
            obj.due_date,
            _people(obj.evaluator),
            obj.get_status_display(),
            obj.get_result_display() if obj.result else "",
            obj.evaluated_on,
            obj.evidence,
            obj.next_due_date,
        ]

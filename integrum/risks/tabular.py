"""The risk register in and out of spreadsheets (CSV/XLSX): the export's columns are the import's.

Computed columns (reference, scores, bands, status, matrix version) are written on export and
ignored on import, so an exported register can be edited and imported elsewhere.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError

from integrum.core import linking
from integrum.core.models import User
from integrum.core.tabular import Column, RegisterSpec
from integrum.risks import services, sources
from integrum.risks.models import Risk, RiskMatrix
from integrum.standards.models import Standard


def _choice(value: str, choices: Any, header: str, allowed: str) -> str:
    wanted = value.strip().lower()
    for code, label in choices:
        if wanted in (str(code).lower(), str(label).lower()):
            return str(code)
    raise ValidationError({header: f"“{value}” is not one of: {allowed}."})


def _level(value: str, labels: list[str], header: str, required: bool) -> int | None:
    value = value.strip()
    if not value:
        if required:
            raise ValidationError({header: "Required."})
        return None
    if value.isdigit() and 1 <= int(value) <= len(labels):
        return int(value)
    for position, label in enumerate(labels, start=1):
        if value.lower() == label.lower():
            return position
    raise ValidationError({header: f"Give a number from 1 to {len(labels)} or one of: {', '.join(labels)}."})


class RiskSpec(RegisterSpec):
    name = "risk register"
    columns = (
        Column("Reference", help="Written on export; a new reference is given on import."),
        Column("Type", required=True, help="Risk or Opportunity."),
        Column("Title", required=True),
        Column("Description"),
        Column("Standards", required=True, help="ISO 9001, ISO 14001 or both, separated by ';'."),
        Column("Source", help="Reference of the context issue, party, process, aspect or obligation."),
        Column("Cause"),
        Column("Effect"),
        Column("Inherent likelihood", required=True, help="A number or the matrix's label."),
        Column("Inherent consequence", required=True, help="A number or the matrix's label."),
        Column("Inherent score", help="Computed; ignored on import."),
        Column("Inherent band", help="Computed; ignored on import."),
        Column("Existing controls"),
        Column("Treatment", help="Avoid, mitigate, transfer or accept; pursue or defer."),
        Column("Residual likelihood"),
        Column("Residual consequence"),
        Column("Residual score", help="Computed; ignored on import."),
        Column("Residual band", help="Computed; ignored on import."),
        Column("Owner", help="Email address of a member."),
        Column("Review date", help="YYYY-MM-DD."),
        Column("Status", help="Written on export; imported risks start open."),
        Column("Matrix version", help="Written on export; imported risks are scored on the current matrix."),
    )

    def __init__(self) -> None:
        self._matrix: RiskMatrix | None = None
        self._standards: list[Standard] | None = None
        self._titles: dict[str, str] | None = None

    def _context(self, organisation: Any, user: Any) -> tuple[RiskMatrix, list[Standard], dict[str, str]]:
        if self._matrix is None:
            self._matrix = services.risk_matrix_current(organisation)
            self._standards = list(Standard.objects.all())
            self._titles = {
                title.casefold(): reference
                for title, reference in Risk.objects.visible_to(user)
                .filter(organisation=organisation)
                .values_list("title", "reference")
            }
        assert self._standards is not None and self._titles is not None
        return self._matrix, self._standards, self._titles

    def parse_row(self, values: dict[str, str], *, organisation: Any, user: Any) -> dict[str, Any]:
        matrix, standards, titles = self._context(organisation, user)
        errors: dict[str, str] = {}
        data: dict[str, Any] = {}

        def attempt(header: str, parse: Any) -> None:
            try:
                parse()
            except ValidationError as error:
                for key, messages in error.message_dict.items():
                    errors[key if key != "__all__" else header] = " ".join(messages)

        def kind() -> None:
            data["kind"] = _choice(values.get("Type", ""), Risk.Kind.choices, "Type", "Risk, Opportunity")

        def title() -> None:
            text = values.get("Title", "").strip()
            if len(text) > 200:
                raise ValidationError({"Title": "Keep the title to 200 characters."})
            if text.casefold() in titles:
                raise ValidationError({"Title": f"{titles[text.casefold()]} already has this title."})
            data["title"] = text

        def chosen_standards() -> None:
            found = []
            for part in values.get("Standards", "").replace(",", ";").split(";"):
                wanted = "".join(part.split()).lower()
                if not wanted:
                    continue
                match = [
                    s
                    for s in standards
                    if wanted in ("".join(s.code.split()).lower(), "".join(s.key.split()).lower())
                ]
                if not match:
                    names = ", ".join(s.code for s in standards)
                    raise ValidationError(
                        {"Standards": f"“{part.strip()}” is not a standard here ({names})."}
                    )
                found.extend(match)
            if not found:
                raise ValidationError({"Standards": "Name at least one standard."})
            data["standards"] = found

        def source() -> None:
            reference = values.get("Source", "").strip()
            if not reference:
                data["source"] = None
                return
            record = linking.find_by_reference(user, organisation, reference)
            if record is None or sources.key_of(record) not in sources.SOURCE_KINDS:
                raise ValidationError(
                    {
                        "Source": f"No context issue, interested party, process, aspect or obligation is {reference}."
                    }
                )
            data["source"] = record

        def levels() -> None:
            problems: dict[str, str] = {}
            for header, labels, key, required in (
                ("Inherent likelihood", matrix.likelihood_labels, "inherent_likelihood", True),
                ("Inherent consequence", matrix.consequence_labels, "inherent_consequence", True),
                ("Residual likelihood", matrix.likelihood_labels, "residual_likelihood", False),
                ("Residual consequence", matrix.consequence_labels, "residual_consequence", False),
            ):
                try:
                    data[key] = _level(values.get(header, ""), labels, header, required)
                except ValidationError as error:
                    problems.update({k: " ".join(v) for k, v in error.message_dict.items()})
            if problems:
                raise ValidationError(problems)

        def treatment() -> None:
            value = values.get("Treatment", "").strip()
            data["treatment"] = (
                _choice(
                    value,
                    Risk.Treatment.choices,
                    "Treatment",
                    "avoid, mitigate, transfer, accept, pursue, defer",
                )
                if value
                else ""
            )

        def owner() -> None:
            email = values.get("Owner", "").strip().lower()
            if not email:
                data["owner"] = None
                return
            found = User.objects.filter(email=email, memberships__organisation=organisation).first()
            if found is None:
                raise ValidationError({"Owner": f"{email} is not a member of {organisation}."})
            data["owner"] = found

        def review_date() -> None:
            value = values.get("Review date", "").strip()
            try:
                data["review_date"] = datetime.date.fromisoformat(value[:10]) if value else None
            except ValueError:
                raise ValidationError({"Review date": "Write the date as YYYY-MM-DD."}) from None

        def status() -> None:
            value = values.get("Status", "").strip().lower()
            if value and value != "open":
                raise ValidationError(
                    {"Status": "Imported risks start open; leave the status empty or Open."}
                )

        for header, parse in (
            ("Type", kind),
            ("Title", title),
            ("Standards", chosen_standards),
            ("Source", source),
            ("Inherent likelihood", levels),
            ("Treatment", treatment),
            ("Owner", owner),
            ("Review date", review_date),
            ("Status", status),
        ):
            attempt(header, parse)
        for header, key in (
            ("Description", "description"),
            ("Cause", "cause"),
            ("Effect", "effect"),
            ("Existing controls", "existing_controls"),
        ):
            data[key] = values.get(header, "").strip()
        if not errors:
            # The service's own rules (treatment by type, residual ≤ inherent) as column errors.
            probe = Risk(
                organisation=organisation,
                **{k: v for k, v in data.items() if k not in ("standards", "source")},
            )
            try:
                services.apply_scores(probe, matrix)
            except ValidationError as error:
                names = {
                    "inherent_likelihood": "Inherent likelihood",
                    "inherent_consequence": "Inherent consequence",
                    "residual_likelihood": "Residual likelihood",
                    "residual_consequence": "Residual consequence",
                    "treatment": "Treatment",
                }
                errors.update({names.get(k, "row"): " ".join(v) for k, v in error.message_dict.items()})
        if errors:
            raise ValidationError(errors)
        return data

    def unique_key(self, data: dict[str, Any]) -> Any:
        return str(data["title"]).casefold()

    def create(self, data: dict[str, Any], *, organisation: Any, user: Any) -> Risk:
        return services.risk_create(organisation=organisation, created_by=user, **data)

    def export_row(self, risk: Risk) -> list[Any]:
        matrix = risk.matrix
        inherent = matrix.band_for(risk.inherent_score)
        residual = matrix.band_for(risk.residual_score) if risk.residual_score else None
        return [
            risk.reference,
            risk.get_kind_display(),
            risk.title,
            risk.description,
            "; ".join(standard.code for standard in risk.standards.all()),
            getattr(risk.source, "reference", "") if risk.source_type_id else "",
            risk.cause,
            risk.effect,
            risk.inherent_likelihood,
            risk.inherent_consequence,
            risk.inherent_score,
            inherent.label if inherent else "",
            risk.existing_controls,
            risk.get_treatment_display() if risk.treatment else "",
            risk.residual_likelihood,
            risk.residual_consequence,
            risk.residual_score,
            residual.label if residual else "",
            risk.owner.email if risk.owner else "",
            risk.review_date,
            risk.get_status_display(),
            matrix.number,
        ]

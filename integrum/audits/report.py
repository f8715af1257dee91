"""The audit report (9.2.2 retained evidence of the results): one context for the HTML print
view, the PDF page and the API's `report`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils import timezone

from integrum.audits.models import Audit, ChecklistItem, Grade
from integrum.audits.selectors import checklist_progress
from integrum.audits.services import grade_definitions, independence_warnings


def report_context(audit: Audit) -> dict[str, Any]:
    """Everything the report shows, in a fixed number of queries."""
    audit = (
        Audit.objects.select_related("organisation", "programme", "lead_auditor")
        .prefetch_related("standards", "clauses__standard", "sites", "processes__owner", "team")
        .get(pk=audit.pk)
    )
    findings = list(
        audit.findings.select_related("clause__standard", "process", "site", "raised_by").order_by("number")
    )
    by_grade: dict[str, list[Any]] = defaultdict(list)
    for finding in findings:
        by_grade[finding.grade].append(finding)
    definitions = grade_definitions(audit.organisation)
    progress = checklist_progress(audit)
    answers = [
        (label, progress.by_answer.get(value, 0)) for value, label in ChecklistItem.Answer.choices if value
    ]
    return {
        "audit": audit,
        "organisation": audit.organisation,
        "standards": list(audit.standards.all()),
        "clauses": list(audit.clauses.all()),
        "sites": list(audit.sites.all()),
        "processes": list(audit.processes.all()),
        "team": list(audit.team.all()),
        "progress": progress,
        "unanswered": progress.total - progress.answered,
        "answers": answers,
        "findings_by_grade": [
            (label, definitions[value], by_grade[value]) for value, label in Grade.choices if by_grade[value]
        ],
        "findings": findings,
        "warnings": independence_warnings(audit),
        "generated": timezone.localtime(),
    }

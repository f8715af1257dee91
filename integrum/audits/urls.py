"""Pages of this app, mounted by `integrum.urls`."""

from django.urls import path

from integrum.audits.views import audits, findings, programmes

app_name = "audits"

urlpatterns = [
    path("programmes/", programmes.ProgrammeListView.as_view(), name="programme_list"),
    path("programmes/new/", programmes.ProgrammeFormView.as_view(), name="programme_create"),
    path("programmes/<int:pk>/", programmes.ProgrammeDetailView.as_view(), name="programme_detail"),
    path("programmes/<int:pk>/edit/", programmes.ProgrammeFormView.as_view(), name="programme_update"),
    path("programmes/<int:pk>/delete/", programmes.ProgrammeDeleteView.as_view(), name="programme_delete"),
    path("auditors/", programmes.AuditorListView.as_view(), name="auditor_list"),
    path("auditors/new/", programmes.AuditorFormView.as_view(), name="auditor_create"),
    path("auditors/<int:pk>/edit/", programmes.AuditorFormView.as_view(), name="auditor_update"),
    path("auditors/<int:pk>/delete/", programmes.AuditorDeleteView.as_view(), name="auditor_delete"),
    path("", audits.AuditListView.as_view(), name="audit_list"),
    path("new/", audits.AuditFormView.as_view(), name="audit_create"),
    path("<int:pk>/", audits.AuditDetailView.as_view(), name="audit_detail"),
    path("<int:pk>/edit/", audits.AuditFormView.as_view(), name="audit_update"),
    path("<int:pk>/delete/", audits.AuditDeleteView.as_view(), name="audit_delete"),
    path("<int:pk>/transition/", audits.AuditTransitionView.as_view(), name="audit_transition"),
    path("<int:pk>/checklist/", audits.ChecklistView.as_view(), name="audit_checklist"),
    path("<int:pk>/checklist/generate/", audits.ChecklistGenerateView.as_view(), name="checklist_generate"),
    path("<int:pk>/checklist/add/", audits.ChecklistQuestionAddView.as_view(), name="checklist_add"),
    path("checklist-items/<int:pk>/answer/", audits.ChecklistAnswerView.as_view(), name="checklist_answer"),
    path("<int:pk>/report/", audits.AuditReportView.as_view(), name="audit_report"),
    path("<int:pk>/report.pdf", audits.AuditReportView.as_view(format="pdf"), name="audit_report_pdf"),
    path("findings/", findings.FindingListView.as_view(), name="finding_list"),
    path("findings/new/", findings.FindingFormView.as_view(), name="finding_create"),
    path("findings/<int:pk>/", findings.FindingDetailView.as_view(), name="finding_detail"),
    path("findings/<int:pk>/edit/", findings.FindingFormView.as_view(), name="finding_update"),
    path("findings/<int:pk>/delete/", findings.FindingDeleteView.as_view(), name="finding_delete"),
    path("grades/", findings.GradeListView.as_view(), name="grade_list"),
    path("grades/<int:pk>/", findings.GradeUpdateView.as_view(), name="grade_update"),
]

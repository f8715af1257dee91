from integrum.core.api import OrganisationViewSet as AssessmentViewSet, OrganisationViewSet as AssessmentItemViewSet

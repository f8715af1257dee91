from integrum.core.api import OrganisationViewSet as StandardViewSet, OrganisationViewSet as ClauseViewSet, OrganisationViewSet as CorrespondenceViewSet

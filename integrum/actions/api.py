from integrum.core.api import OrganisationViewSet as ActionViewSet

from rest_framework import viewsets
class OrganisationViewSet(viewsets.ViewSet): pass
SiteViewSet = MembershipViewSet = ChangeViewSet = OrganisationViewSet

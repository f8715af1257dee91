from rest_framework import permissions, pagination
class RolePermission(permissions.IsAuthenticated): pass
class Pagination(pagination.PageNumberPagination): pass
def exception_handler(exc, context):
    from rest_framework.views import exception_handler as h
    return h(exc, context)

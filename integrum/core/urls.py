from django.urls import path

from integrum.core import views

app_name = "core"

urlpatterns = [
    path("switch/", views.switch_organisation, name="switch"),
    path("sites/", views.SiteListView.as_view(), name="site_list"),
    path("sites/new/", views.SiteFormView.as_view(), name="site_create"),
    path("sites/<int:pk>/", views.SiteFormView.as_view(), name="site_update"),
    path("members/", views.MemberListView.as_view(), name="member_list"),
    path("members/new/", views.MemberAddView.as_view(), name="member_create"),
    path("members/<int:pk>/", views.MemberUpdateView.as_view(), name="member_update"),
    path("members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("changes/", views.ChangeListView.as_view(), name="change_list"),
    path("files/<int:pk>/", views.AttachmentDownloadView.as_view(), name="attachment_download"),
    path("files/<int:pk>/remove/", views.attachment_delete, name="attachment_delete"),
]

"""Pages of this app, mounted by `integrum.urls`."""

from django.urls import path

from integrum.reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.ReviewListView.as_view(), name="review_list"),
    path("new/", views.ReviewFormView.as_view(), name="review_create"),
    path("<int:pk>/", views.ReviewDetailView.as_view(), name="review_detail"),
    path("<int:pk>/edit/", views.ReviewFormView.as_view(), name="review_update"),
    path("<int:pk>/delete/", views.ReviewDeleteView.as_view(), name="review_delete"),
    path("<int:pk>/compile/", views.ReviewCompileView.as_view(), name="review_compile"),
    path("<int:pk>/sign/", views.ReviewSignView.as_view(), name="review_sign"),
    path("<int:pk>/cancel/", views.ReviewCancelView.as_view(), name="review_cancel"),
    path("<int:pk>/outputs/", views.OutputCreateView.as_view(), name="output_create"),
    path("<int:pk>/outputs/<int:output_pk>/delete/", views.OutputDeleteView.as_view(), name="output_delete"),
    path("<int:pk>/report.pdf", views.ReviewPdfView.as_view(), name="review_pdf"),
    path("inputs/<int:pk>/", views.InputUpdateView.as_view(), name="input_update"),
]

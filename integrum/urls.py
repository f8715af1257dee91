"""The whole site map."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from integrum.core import views as core_views

urlpatterns = [
    path("", include("integrum.reports.urls")),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", core_views.LogoutView.as_view(), name="logout"),
    path(
        "password/set/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="core/password_set.html", success_url="/login/", post_reset_login=False
        ),
        name="password_set",
    ),
    path("organisation/", include("integrum.core.urls")),
    path("standards/", include("integrum.standards.urls")),
    path("actions/", include("integrum.actions.urls")),
    path("gap-analysis/", include("integrum.assessments.urls")),
    path("documents/", include("integrum.documents.urls")),
    path("context/", include("integrum.context.urls")),
    path("risks/", include("integrum.risks.urls")),
    path("environment/", include("integrum.environment.urls")),
    path("data/", include("integrum.measurement.urls")),
    path("ghg/", include("integrum.ghg.urls")),
    path("performance/", include("integrum.performance.urls")),
    path("audits/", include("integrum.audits.urls")),
    path("improvement/", include("integrum.improvement.urls")),
    path("reviews/", include("integrum.reviews.urls")),
    path("api/v1/", include("integrum.api_urls")),
    path("admin/", admin.site.urls),
]

handler403 = "integrum.core.views.permission_denied"
handler404 = "integrum.core.views.page_not_found"
handler500 = "integrum.core.views.server_error"

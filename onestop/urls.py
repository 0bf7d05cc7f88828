from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from onestop.api import api
from onestop.core import views as core_views
from onestop.documents import views as document_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:home", permanent=False)),
    path("accounts/", include("onestop.accounts.urls")),
    path("workbench/", include("onestop.workbench.urls")),
    path("reports/", include("onestop.reports.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("portal/", include("onestop.portal.urls")),
    path("language/", include("onestop.lang.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("v/", document_views.verify, name="verify_form"),
    path("v/<str:code>/", document_views.verify, name="verify"),
]

handler400 = "onestop.core.views.bad_request"
handler403 = "onestop.core.views.forbidden"
handler404 = "onestop.core.views.not_found"
handler500 = "onestop.core.views.server_error"

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from onestop.api import api
from onestop.portal import views as portal_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="portal:home", permanent=False)),
    path("accounts/", include("onestop.accounts.urls")),
    path("workbench/", include("onestop.workbench.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("portal/", include("onestop.portal.urls")),
    path("healthz", portal_views.healthz, name="healthz"),
]

handler403 = "onestop.core.views.forbidden"
handler404 = "onestop.core.views.not_found"

from django.contrib.admin.apps import AdminConfig


class OnestopAdminConfig(AdminConfig):
    default_site = "onestop.core.admin_site.OnestopAdminSite"

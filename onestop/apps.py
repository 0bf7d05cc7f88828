from django.contrib.admin.apps import AdminConfig


class OnestopAdminConfig(AdminConfig):
    default_site = "onestop.admin_site.OnestopAdminSite"

from django.contrib.admin.apps import AdminConfig


class XuedangAdminConfig(AdminConfig):
    """Django's admin with the centre-only site as the default."""

    default_site = "xuedang.institutions.admin_site.CentreAdminSite"

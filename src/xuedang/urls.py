from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from xuedang.api import api
from xuedang.core import views as core_views
from xuedang.reports.urls import public_patterns as verify_patterns
from xuedang.reports.urls import student_patterns as report_patterns

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("school/", include("xuedang.registry.urls")),
    path("school/imports/", include("xuedang.imports.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("verify/", include((verify_patterns, "verify"))),
    path("archive/reports/", include((report_patterns, "reports"))),
    path("captcha/", include("captcha.urls")),
]

from django.contrib import admin
from django.urls import include, path, re_path

from xuedang import navigation
from xuedang.accounts import urls as account_urls
from xuedang.accounts import views as account_views
from xuedang.api import api
from xuedang.archive.urls import account_patterns as archive_account_patterns
from xuedang.core import views as core_views
from xuedang.reports.urls import public_patterns as verify_patterns
from xuedang.reports.urls import student_patterns as report_patterns

urlpatterns = [
    # the public verification page first: the registry's most requested route, resolved on every hit
    path("verify/", include((verify_patterns, "verify"))),
    path("", navigation.home, name="home"),
    path("start/", navigation.start, name="start"),
    # 中文 / English: Django's set_language (POST), remembered in a cookie that outlives sign-out
    path("i18n/", include("django.conf.urls.i18n")),  # the landing after sign-in, per person
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_views.metrics, name="metrics"),
    path("login/", account_views.login_view, name="login"),
    path("logout/", account_views.logout_view, name="logout"),
    path("account/", include((account_urls.urlpatterns + archive_account_patterns, "accounts"))),
    re_path(r"^captcha/audio/(?P<key>\w+)\.wav$", core_views.captcha_audio),  # rate limited, before captcha's own
    path("captcha/", include("captcha.urls")),
    path("school/", include("xuedang.registry.urls")),
    path("school/imports/", include("xuedang.imports.urls")),
    path("api/v1/", api.urls),
    # archive (学信档案): the student's pages and the school's queues
    path("archive/", include("xuedang.archive.urls")),
    path("school/archive/", include("xuedang.archive.school_urls")),
    path("", include("xuedang.certification.urls")),  # 自考办 and 补录 (decision 0029)
    path("supervision/", include("xuedang.supervision.urls")),
    path("admin/", admin.site.urls),
    path("archive/reports/", include((report_patterns, "reports"))),
]

# A database or Redis outage answers 503 "try again in a moment", not a bare 500 (core.views).
handler500 = "xuedang.core.views.server_error"

from django.contrib import admin
from django.urls import path

from xuedang.core import views as core_views

admin.site.site_header = "学档 管理 / xuedang administration"
admin.site.site_title = "学档 / xuedang"
admin.site.index_title = "全国学籍学历注册 / national registry"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

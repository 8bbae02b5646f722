from django.urls import path

from xuedang.supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.home, name="home"),
    path("statistics/", views.statistics, name="statistics"),
    path("centre/", views.centre_dashboard, name="centre"),
    path("centre/export.xlsx", views.centre_export, name="centre_export"),
    path("province/<str:province>/", views.province_dashboard, name="province"),
    path("province/<str:province>/export.xlsx", views.province_export, name="province_export"),
    path("institutions/<str:code>/", views.institution_detail, name="institution"),
    path("institutions/<str:code>/<str:figure>/", views.figure_records, name="records"),
    path("institutions/<str:code>/<str:figure>/export.xlsx", views.figure_export, name="records_export"),
]

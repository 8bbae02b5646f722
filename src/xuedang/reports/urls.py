from django.urls import path

from xuedang.reports import views

# Public: anyone verifies a report by its code or looks up a credential (零散查询).
public_patterns = [
    path("", views.verify, name="verify"),
    path("lookup/", views.lookup, name="lookup"),
    path("<str:code>", views.verify_code, name="verify_code"),
    path("<str:code>/photo", views.verify_photo, name="photo"),
]

# The student's own reports, inside the archive.
student_patterns = [
    path("", views.student_reports, name="student_reports"),
    path("<int:pk>/extend/", views.report_extend, name="extend"),
    path("<int:pk>/close/", views.report_close, name="close"),
    path("<int:pk>/replace/", views.report_replace, name="replace"),
    path("<int:pk>/download/", views.report_download, name="download"),
    path("<int:pk>/print/", views.report_print, name="print"),
    path("<int:pk>/qr.svg", views.report_qr, name="qr"),
]

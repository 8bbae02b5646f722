from django.urls import path

from xuedang.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.profile, name="profile"),
    path("register/", views.register, name="register"),
    path("register/confirm/", views.register_confirm, name="register_confirm"),
    path("register/done/", views.register_done, name="register_done"),
    path("login/totp/", views.login_totp, name="login_totp"),
    path("login/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("email/", views.email_change, name="email_change"),
    path("email/activate/<str:token>/", views.email_activate, name="email_activate"),
    path("password/", views.password_change, name="password_change"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/email/", views.password_reset_email, name="password_reset_email"),
    path("password/reset/<str:uidb64>/<str:token>/", views.password_reset_link, name="password_reset_link"),
    path("username/", views.username_recover, name="username_recover"),
    path("phone/", views.phone_change, name="phone_change"),
    path("history/", views.login_history, name="login_history"),
    path("sessions/", views.sessions, name="sessions"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("cancel/", views.cancel, name="cancel"),
    path("appeal/", views.appeal, name="appeal"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/invite/", views.staff_invite, name="staff_invite"),
    path("staff/security/", views.staff_security, name="staff_security"),
    path("staff/password/", views.staff_password, name="staff_password"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/invitations/<int:pk>/withdraw/", views.invitation_withdraw, name="invitation_withdraw"),
    path("appeals/", views.appeal_queue, name="appeal_queue"),
    path("appeals/<int:pk>/", views.appeal_detail, name="appeal_detail"),
    path("appeals/<int:pk>/photo", views.appeal_photo, name="appeal_photo"),
]

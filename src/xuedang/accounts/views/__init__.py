"""The account pages, one module a flow (decision 0011). Every view is importable from here, as
`accounts.urls`, the top-level URLconf and `AXES_LOCKOUT_CALLABLE` expect."""

from xuedang.accounts.views.appeals import appeal, appeal_detail, appeal_photo, appeal_queue
from xuedang.accounts.views.login import locked_out, login_totp, login_view, logout_view, recovery_codes
from xuedang.accounts.views.profile import (
    cancel,
    email_change,
    login_history,
    password_change,
    phone_change,
    profile,
    sessions,
    two_factor,
)
from xuedang.accounts.views.recovery import password_reset, password_reset_email, password_reset_link, username_recover
from xuedang.accounts.views.registration import email_activate, register, register_confirm, register_done
from xuedang.accounts.views.staff import (
    invitation_accept,
    invitation_withdraw,
    staff_detail,
    staff_invite,
    staff_list,
    staff_password,
    staff_security,
)

__all__ = [
    "appeal",
    "appeal_detail",
    "appeal_photo",
    "appeal_queue",
    "cancel",
    "email_activate",
    "email_change",
    "invitation_accept",
    "invitation_withdraw",
    "locked_out",
    "login_history",
    "login_totp",
    "login_view",
    "logout_view",
    "password_change",
    "password_reset",
    "password_reset_email",
    "password_reset_link",
    "phone_change",
    "profile",
    "recovery_codes",
    "register",
    "register_confirm",
    "register_done",
    "sessions",
    "staff_detail",
    "staff_invite",
    "staff_list",
    "staff_password",
    "staff_security",
    "two_factor",
    "username_recover",
]

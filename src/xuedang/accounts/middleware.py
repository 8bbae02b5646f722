"""No staff page or staff API answers before two-step sign-in is passed in this session.

One guard for every staff door at once (the school portal, the archive's school queues, the
appeal queue, imports, the admin, the session-authenticated API) rather than one per
decorator: a new staff page cannot forget it. A staff session that has not passed the second
step (a role granted while signed in, a session from before the rule) is sent to it; the API
answers 403.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from xuedang.accounts.services.two_factor import two_factor_required
from xuedang.accounts.views.common import TOTP_PENDING_KEY, TWO_FACTOR_KEY

API_PREFIX = "/api/"


def two_factor_passed(request: HttpRequest) -> bool:
    return request.session.get(TWO_FACTOR_KEY) == request.user.pk


class StaffTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and two_factor_required(user) and not two_factor_passed(request):
            return self._refuse(request) or self.get_response(request)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest) -> HttpResponse | None:
        path = request.path
        if path.startswith(API_PREFIX):
            return JsonResponse({"detail": "请先完成两步验证 / complete two-step sign-in first"}, status=403)
        invitation = reverse("accounts:invitation_accept", args=["-"]).removesuffix("-/")
        open_paths = (
            reverse("accounts:login_totp"),
            reverse("accounts:recovery_codes"),
            reverse("logout"),
            reverse("login"),
            invitation,
            "/static/",
        )
        if path.startswith(open_paths):
            return None
        request.session[TOTP_PENDING_KEY] = {
            "user": request.user.pk,
            "backend": request.session.get(BACKEND_SESSION_KEY, ""),
            "next": request.get_full_path() if request.method == "GET" else reverse("home"),
        }
        return redirect("accounts:login_totp")

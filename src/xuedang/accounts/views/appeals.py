"""Identity appeals (身份证已被注册): the student's side and the centre's review queue."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from xuedang.accounts import forms, selectors
from xuedang.accounts.access import access_appeal, appeal_reviewer, student_page
from xuedang.accounts.http import AuthenticatedHttpRequest
from xuedang.accounts.models import AppealState
from xuedang.accounts.services import appeals


@student_page
def appeal(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The student's side: start (if needed), upload the photo and submit, or withdraw."""
    user = request.user
    current = selectors.open_appeal(user=user)
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        appeals.appeal_withdraw(user=user)
        messages.info(request, "申诉已撤回 / appeal withdrawn")
        return redirect("accounts:profile")
    if current is None:
        form: forms.AppealStartForm | forms.AppealSubmitForm = forms.AppealStartForm(request.POST or None)
        if user.identity_checked_at:
            return redirect("accounts:profile")
        if request.method == "POST" and form.is_valid():
            try:
                appeals.appeal_start(user=user, **form.cleaned_data)
            except ValidationError as error:
                forms.apply_errors(form, error)
            else:
                return redirect("accounts:appeal")
        return render(request, "accounts/appeal.html", {"start_form": form})
    form = forms.AppealSubmitForm(request.POST or None, request.FILES or None)
    if current.state == AppealState.DRAFT and request.method == "POST" and form.is_valid():
        photo = form.cleaned_data["photo"]
        try:
            appeals.appeal_submit(user=user, upload=photo, size=photo.size, statement=form.cleaned_data["statement"])
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(request, "申诉已提交 / appeal submitted")
            return redirect("accounts:appeal")
    return render(
        request, "accounts/appeal.html", {"appeal": current, "form": form}, status=400 if form.errors else 200
    )


@appeal_reviewer
def appeal_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/appeal_queue.html",
        {"appeals": selectors.appeal_queue(actor=request.user), "today": timezone.localdate()},
    )


@appeal_reviewer
def appeal_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = access_appeal(request.user, pk)
    form = forms.AppealDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decide = appeals.appeal_approve if form.cleaned_data["decision"] == "approve" else appeals.appeal_reject
        try:
            decide(actor=request.user, appeal_id=item.pk, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            forms.apply_errors(form, error)
        else:
            messages.success(request, "已处理，双方已收到通知 / decided; both parties were notified")
            return redirect("accounts:appeal_queue")
    holders = selectors.identity_owners(identity_digest=item.identity_digest).exclude(pk=item.appellant_id)
    return render(request, "accounts/appeal_detail.html", {"appeal": item, "form": form, "holders": holders})


@appeal_reviewer
def appeal_photo(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = access_appeal(request.user, pk)
    response = HttpResponse(bytes(item.photo), content_type=item.photo_content_type or "application/octet-stream")
    response["Cache-Control"] = "private, no-store"
    return response

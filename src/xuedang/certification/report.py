"""《中国高等教育学历认证报告》 (Chinese and English, names in pinyin), signed PAdES like every report
(reports.pdf), and its public verification by report number + certificate number (decision 0030)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from xuedang.certification.models import ApplicationState, AuthenticationApplication
from xuedang.core import validators
from xuedang.registry.models import AccessEvent, CredentialState, Level
from xuedang.reports.codes import normalize_code
from xuedang.reports.content import ReportContent, name_pinyin
from xuedang.reports.pdf import format_date, render_report_pdf

TITLES = {"zh": "中国高等教育学历认证报告", "en": "China Higher Education Qualification Authentication Report"}


def _level(code: str, lang: str) -> str:
    label = dict(Level.choices).get(code, "")
    zh, _, en = label.partition(" / ")
    return en if lang == "en" else zh


def _fields(application: AuthenticationApplication, lang: str) -> list[tuple[str, str]]:
    credential, applicant = application.credential, application.applicant
    name = credential.name if credential is not None else applicant.real_name
    school = application.institution
    school_name = (credential.institution_name if credential is not None else "") or (school.name if school else "")
    if lang == "en":
        school_name = school.name_en if school and school.name_en else school_name
        pinyin = name_pinyin(name)
        name = pinyin if pinyin != name else name
    labels = {
        "zh": ("姓名", "学校名称", "层次", "专业", "毕业年份", "证书编号", "认证结论"),
        "en": ("Name", "Institution", "Level", "Major", "Year of graduation", "Certificate number", "Conclusion"),
    }[lang]
    conclusion = {
        "zh": "经核查，该学历证书真实有效",
        "en": "The credential certificate has been verified as genuine",
    }[lang]
    values = (
        name,
        school_name,
        _level(application.level, lang),
        application.major_name,
        str(application.graduation_year or ""),
        application.certificate_number,
        conclusion,
    )
    return list(zip(labels, values, strict=True))


def authentication_report_pdf(application: AuthenticationApplication, lang: str) -> bytes:
    """The signed report in `lang` ("zh" or "en", as the applicant chose)."""
    if application.state != ApplicationState.APPROVED or not application.report_number:
        raise ValueError("only an approved application has a report")
    decided = timezone.localdate(application.decided_at) if application.decided_at else timezone.localdate()
    content = ReportContent(
        kind="authentication",
        lang=lang,
        title=TITLES[lang],
        code=application.report_number,
        verify_url=f"{settings.SITE_URL.rstrip('/')}{reverse('certification:verify')}",
        valid_until=decided,
        updated_on=decided,
        photo=None,
        fields=_fields(application, lang),
    )
    return render_report_pdf(content)


def report_date(application: AuthenticationApplication, lang: str) -> str:
    return format_date(timezone.localdate(application.decided_at), lang) if application.decided_at else ""


def authentication_verify(*, report_number: str, certificate_number: str, origin: str = "") -> tuple[str, Any]:
    """(answer, application): "malformed" (not a report number), "unknown" (no such report with this
    certificate number), "revoked" (the credential has been revoked since), or "valid". A found
    report is logged in the applicant's access log."""
    code = normalize_code(report_number)
    if code is None or not certificate_number.strip():
        return "malformed", None
    key = validators.certificate_key(certificate_number)
    application = (
        AuthenticationApplication.objects.select_related("credential", "applicant", "institution")
        .filter(report_number=code, state=ApplicationState.APPROVED)
        .first()
    )
    if application is None or validators.certificate_key(application.certificate_number) != key:
        return "unknown", None
    revoked = application.credential is not None and application.credential.state == CredentialState.REVOKED
    if application.applicant.identity_digest:
        AccessEvent.objects.create(
            identity_digest=application.applicant.identity_digest,
            record_type="authentication",
            record_id=application.pk,
            viewer_kind="verification",
            viewer_label="学历认证报告查验 / authentication report verified",
            seen=f"学历认证报告 #{application.pk}",
            origin=origin[:60],
        )
    return ("revoked" if revoked else "valid"), application

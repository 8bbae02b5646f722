"""Supervision pages: the province dashboard, the centre's over provinces, an institution's figures
and the records behind each figure, each with an XLSX export. Thin: doors and selectors decide."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from xuedang.accounts.http import AuthenticatedHttpRequest
from xuedang.core.codetables import code_choices, code_label
from xuedang.core.spreadsheets import write_xlsx
from xuedang.institutions.access import READING, access_institution
from xuedang.registry.models import Admission, AnnualRegistration, Enrollment, EnrollmentChange
from xuedang.supervision import selectors
from xuedang.supervision.access import access_province, headcount_scope, supervised_provinces, supervisor_view
from xuedang.supervision.models import Dataset, Dimension, InstitutionFigures

PAGE_SIZE = 50
PROVINCE_PAGE = 60  # institutions per page of a province's dashboard (Jiangsu has 167)


@supervisor_view()
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    provinces = supervised_provinces(request.user)
    if provinces is None:
        return redirect("supervision:centre")
    return redirect("supervision:province", province=min(provinces))


def _filters(request: HttpRequest) -> selectors.DashboardFilters:
    sort = request.GET.get("sort", "code")
    return selectors.DashboardFilters(
        q=request.GET.get("q", "").strip()[:50],
        only_late=request.GET.get("late") == "1",
        sort=sort.removeprefix("-") if sort.removeprefix("-") in selectors.SORTS else "code",
        descending=sort.startswith("-"),
    )


@supervisor_view()
def province_dashboard(request: AuthenticatedHttpRequest, province: str) -> HttpResponse:
    """One row per institution of the province: 新生注册, 学年注册, late 注销, 学历注册, open queues."""
    access_province(request.user, province)
    filters = _filters(request)
    page = Paginator(selectors.province_rows(province_code=province, filters=filters), PROVINCE_PAGE).get_page(
        request.GET.get("page")
    )
    rows = list(page)
    for row in rows:  # one reverse() per row; each figure's list is below it (supervision:records)
        row.link = reverse("supervision:institution", args=[row.institution.code])
    params = request.GET.copy()
    params.pop("page", None)
    query = params.urlencode()
    return render(
        request,
        "supervision/province.html",
        {
            "province": province,
            "province_name": code_label("province", province),
            "rows": rows,
            "page": page,
            "filters": filters,
            "query": query,
            "chart": _province_chart(rows),
            "refreshed_at": selectors.refreshed_at(),
            "sorts": selectors.SORTS,
        },
    )


def _province_chart(rows: Sequence[InstitutionFigures]) -> dict[str, Any]:
    """学年注册 per institution (the rows as sorted and filtered, at most 40): registered and missing."""
    shown = rows[:40]
    return {
        "title": "学年注册进度 / annual registration",
        "categories": [r.institution.name for r in shown],
        "series": [
            {"name": "已注册 / registered", "data": [r.annual_registered for r in shown]},
            {"name": "未注册 / not yet registered", "data": [r.annual_missing for r in shown]},
        ],
    }


PROVINCE_HEADER = [
    "院校代码 / code",
    "学校 / institution",
    "录取 / admitted",
    "已注册学籍 / registered",
    "放弃或取消 / declined or cancelled",
    "待注册 / waiting",
    "开学注册截止 / annual due",
    "已学年注册 / registered",
    "逾期学年注册 / late",
    "未学年注册 / missing",
    "逾期注销 / late cancellations",
    "应届毕业 / expected graduates",
    "已学历注册 / credentials",
    "待办纠错 / corrections",
    "待办转学 / transfers",
    "待审撤销 / revocations",
    "待审录取更正 / admission corrections",
    "数据时间 / as of",
]


def _province_cells(r: InstitutionFigures) -> list[object]:
    return [
        r.institution.code,
        r.institution.name,
        r.admitted,
        r.admitted_registered,
        r.admitted_refused,
        r.admitted_waiting,
        r.semester_deadline or "未登记 / not recorded",
        r.annual_registered,
        r.annual_late,
        r.annual_missing,
        r.late_cancellations,
        r.graduates_expected,
        r.graduates_registered,
        r.corrections_open,
        r.transfers_open,
        r.revocations_open,
        r.admission_corrections_open,
        r.refreshed_at.strftime("%Y-%m-%d %H:%M") if r.refreshed_at else "",
    ]


def _xlsx(rows: Iterable[Sequence[object]], header: Sequence[str], filename: str, title: str) -> FileResponse:
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 — FileResponse closes it
    write_xlsx(rows, header=header, out=out, sheet_title=title)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename)


@supervisor_view()
def province_export(request: AuthenticatedHttpRequest, province: str) -> FileResponse:
    access_province(request.user, province)
    rows = selectors.province_rows(province_code=province, filters=_filters(request))
    return _xlsx((_province_cells(r) for r in rows), PROVINCE_HEADER, f"supervision-{province}.xlsx", "监管")


@supervisor_view(centre_only=True)
def centre_dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The centre's view: every province's sums, each a link to that province's dashboard."""
    names = dict(code_choices("province"))
    rows = [row | {"name": names.get(row["province_code"], row["province_code"])} for row in selectors.centre_rows()]
    chart = {
        "title": "学年注册进度 / annual registration",
        "categories": [row["name"].split(" / ")[0] for row in rows],
        "series": [
            {"name": "已注册 / registered", "data": [row["annual_registered"] or 0 for row in rows]},
            {"name": "未注册 / not yet registered", "data": [row["annual_missing"] or 0 for row in rows]},
        ],
    }
    context = {"rows": rows, "chart": chart, "refreshed_at": selectors.refreshed_at()}
    return render(request, "supervision/centre.html", context)


@supervisor_view(centre_only=True)
def centre_export(request: AuthenticatedHttpRequest) -> FileResponse:
    names = dict(code_choices("province"))
    header = ["省份 / province", "学校数 / institutions", *selectors.CENTRE_SUMS]
    rows = (
        [names.get(r["province_code"], r["province_code"]), r["institutions"], *(r[k] for k in selectors.CENTRE_SUMS)]
        for r in selectors.centre_rows()
    )
    return _xlsx(rows, header, "supervision-centre.xlsx", "全国")


def _figures(request: AuthenticatedHttpRequest, code: str) -> InstitutionFigures:
    institution = access_institution(request.user, code, roles=READING)
    figures = InstitutionFigures.objects.filter(institution=institution).select_related("institution").first()
    if figures is None:  # not counted yet (a new institution): zeros until the next refresh counts it
        periods = selectors.Periods.current()
        figures = InstitutionFigures(
            refreshed_at=None,
            institution=institution,
            province_code=institution.province_code,
            admission_year=periods.admission_year,
            academic_year=periods.academic_year,
            graduation_year=periods.graduation_year,
        )
    return figures


@login_required
def institution_detail(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """One institution's figures, each a link to its records."""
    figures = _figures(request, code)
    items = [
        {"key": key, "label": figure.label, "value": getattr(figures, key)} for key, figure in selectors.FIGURES.items()
    ]
    return render(request, "supervision/institution.html", {"figures": figures, "items": items})


# What a list of records shows per kind of record: (header, cells, link).
def _enrollment_cells(e: Enrollment) -> list[object]:
    return [e.student_number, e.name, e.major_name, e.entry_date, e.get_state_display()]


COLUMNS: dict[type, tuple[list[str], Any, Any]] = {
    Enrollment: (
        ["学号 / No.", "姓名 / name", "专业 / major", "入学 / entry", "状态 / state"],
        _enrollment_cells,
        lambda e: reverse("registry:enrollment_detail", args=[e.pk]),
    ),
    Admission: (
        ["考生号 / candidate no.", "姓名 / name", "专业 / major", "状态 / state"],
        lambda a: [a.exam_number, a.name, a.major_name, a.get_state_display()],
        lambda a: "",
    ),
    AnnualRegistration: (
        ["学号 / No.", "姓名 / name", "截止 / due", "注册日期 / registered on", "逾期 / late"],
        lambda r: [
            r.enrollment.student_number,
            r.enrollment.name,
            r.deadline,
            r.registered_on,
            "是 / yes" if r.late else "",
        ],
        lambda r: reverse("registry:enrollment_detail", args=[r.enrollment_id]),
    ),
    EnrollmentChange: (
        ["学号 / No.", "姓名 / name", "异动 / change", "决定日期 / decided", "登记时间 / recorded"],
        lambda c: [c.enrollment.student_number, c.enrollment.name, c.change_code, c.decision_date, c.recorded_at],
        lambda c: reverse("registry:enrollment_detail", args=[c.enrollment_id]),
    ),
}


def _describe(record: Any) -> tuple[list[object], str]:
    spec = COLUMNS.get(type(record))
    if spec is None:  # the queues: what, since when, and the queue's own page
        filed = getattr(record, "filed_at", None) or getattr(record, "created_at", None)
        return [str(record._meta.verbose_name), filed, record.get_state_display()], _queue_link(record)
    _, cells, link = spec
    return cells(record), link(record)


def _queue_link(record: Any) -> str:
    names = {
        "transferrequest": "registry:transfer_detail",
        "revocationrequest": "registry:revocation_detail",
        "correction": "archive_school:correction_detail",
        "admissioncorrection": "registry:admission_correction_detail",
    }
    return reverse(names[record._meta.model_name], args=[record.pk])


def _header(figure: str, records: Any) -> list[str]:
    spec = COLUMNS.get(records.model)
    return spec[0] if spec else ["类型 / kind", "提交时间 / filed", "状态 / state"]


def _records(request: AuthenticatedHttpRequest, code: str, figure: str) -> tuple[InstitutionFigures, Any]:
    if figure not in selectors.FIGURES:
        raise Http404
    figures = _figures(request, code)
    records = selectors.drill(figures.institution, figure, selectors.Periods.of(figures))
    related = {"annual_registered": "enrollment", "annual_late": "enrollment", "late_cancellations": "enrollment"}
    if figure in related:
        records = records.select_related(related[figure])
    return figures, records


@login_required
def figure_records(request: AuthenticatedHttpRequest, code: str, figure: str) -> HttpResponse:
    """The records behind one number of one institution, as of now."""
    figures, records = _records(request, code, figure)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "figures": figures,
        "figure": selectors.FIGURES[figure],
        "figure_key": figure,
        "header": _header(figure, records),
        "rows": [_describe(r) for r in page],
        "page": page,
        "counted": getattr(figures, figure),
    }
    return render(request, "supervision/records.html", context)


@login_required
def figure_export(request: AuthenticatedHttpRequest, code: str, figure: str) -> FileResponse:
    _figures_row, records = _records(request, code, figure)
    rows = (_describe(r)[0] for r in records.iterator(chunk_size=2000))
    return _xlsx(rows, _header(figure, records), f"{code}-{figure}.xlsx", "记录")


@login_required
def statistics(request: AuthenticatedHttpRequest) -> HttpResponse:
    """教育统计: headcounts by level, study form, gender, ethnicity, discipline and province, for
    students in 学籍 and for credentials by year; "<5" for small cells outside the institution."""
    scope = headcount_scope(request.user, request.GET.get("scope", ""))
    dataset = request.GET.get("dataset", Dataset.ENROLLMENTS)
    dimension = request.GET.get("dimension", Dimension.LEVEL)
    if dataset not in Dataset.values or dimension not in Dimension.values:
        raise Http404
    years = selectors.headcount_years(dataset=dataset)
    year_param = request.GET.get("year", "")
    year = int(year_param) if year_param.isdigit() and int(year_param) in years else (years[0] if years else 0)
    rows = selectors.headcount_table(scope=scope, dataset=dataset, dimension=dimension, year=year)
    chart = {
        "title": "人数 / headcount",
        "categories": [r.label.split(" / ")[0] for r in rows if r.shown == str(r.count)],
        "series": [{"name": "人数 / headcount", "data": [r.count for r in rows if r.shown == str(r.count)]}],
    }
    context = {
        "scope": scope,
        "scope_param": request.GET.get("scope", ""),
        "dataset": dataset,
        "dimension": dimension,
        "datasets": Dataset.choices,
        "dimensions": Dimension.choices,
        "years": years,
        "year": year,
        "rows": rows,
        "chart": chart,
        "refreshed_at": selectors.refreshed_at(),
    }
    return render(request, "supervision/statistics.html", context)

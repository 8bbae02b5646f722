"""The JSON API (django-ninja); its OpenAPI document is served at /api/v1/openapi.json."""

from django.http import HttpRequest, HttpResponse
from django_ratelimit.exceptions import Ratelimited
from ninja import NinjaAPI
from ninja.errors import ValidationError

from xuedang.imports.api import router as school_router
from xuedang.institutions.api import router as institutions_router
from xuedang.registry.api import router as registry_router
from xuedang.reports.api import router as verify_router

api = NinjaAPI(
    title="学档 xuedang API",
    version="1",
    description="全国高等教育学籍学历注册 / national registry of student status and credentials",
    urls_namespace="api",
)
api.add_router("/institutions", institutions_router)
api.add_router("/enrollments", registry_router)
api.add_router("/school", school_router)
api.add_router("/verify", verify_router)


MESSAGES = {
    "missing": "缺少此项 / this field is required",
    "int_parsing": "应为整数 / must be a whole number",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD / the date must be YYYY-MM-DD",
    "string_too_long": "内容过长 / the value is too long",
    "too_long": "条目过多 / too many items",
    "too_short": "至少需要一项 / at least one item is required",
}


@api.exception_handler(Ratelimited)
def too_many_requests(request: HttpRequest, exc: Ratelimited) -> HttpResponse:
    response = api.create_response(
        request, {"detail": "请求过于频繁，请稍后再试 / too many requests; try again later"}, status=429
    )
    response["Retry-After"] = "60"
    return response


@api.exception_handler(ValidationError)
def bilingual_validation_errors(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Every field error names the field and says what is wrong, in Chinese with English."""
    fields = []
    for error in exc.errors:
        parts = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "form", "file")]
        location = ".".join(parts) or str(error.get("loc", ("",))[-1])
        message = MESSAGES.get(error.get("type", ""), f"格式不正确 / invalid value ({error.get('msg', '')})")
        fields.append({"field": location, "message": message})
    return api.create_response(request, {"detail": "请求有误 / invalid request", "fields": fields}, status=422)

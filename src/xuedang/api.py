"""The JSON API (django-ninja); its OpenAPI document is served at /api/v1/openapi.json."""

from ninja import NinjaAPI

from xuedang.imports.api import router as school_router
from xuedang.institutions.api import router as institutions_router
from xuedang.registry.api import router as registry_router

api = NinjaAPI(
    title="学档 xuedang API",
    version="1",
    description="全国高等教育学籍学历注册 / national registry of student status and credentials",
    urls_namespace="api",
)
api.add_router("/institutions", institutions_router)
api.add_router("/enrollments", registry_router)
api.add_router("/school", school_router)

"""Doors to import jobs: a registrar sees the jobs of the institutions they register for."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from xuedang.imports.models import ImportJob
from xuedang.institutions.access import REGISTERING, institution_scope
from xuedang.institutions.models import Institution


def upload_institutions(actor: object) -> QuerySet[Institution]:
    """Institutions whose records the actor may register (registrars only; 第二十四条)."""
    return Institution.objects.filter(institution_scope(actor, REGISTERING)).order_by("code")


def jobs_for(actor: object) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(institution_scope(actor, REGISTERING, prefix="institution"))


def access_import_job(actor: object, pk: int) -> ImportJob:
    job = jobs_for(actor).select_related("institution").filter(pk=pk).first()
    if job is None:
        raise Http404
    return job

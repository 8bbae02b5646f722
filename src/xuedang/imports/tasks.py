from celery import shared_task


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> None:
    from xuedang.imports.services import import_job_run

    import_job_run(job_id=job_id)


@shared_task
def reap_import_jobs() -> int:
    """Run every few minutes (celery beat): jobs whose worker died are marked failed."""
    from xuedang.imports.services import import_jobs_reap

    return import_jobs_reap()

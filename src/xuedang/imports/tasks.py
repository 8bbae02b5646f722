from celery import shared_task


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> None:
    from xuedang.imports.services import import_job_run

    import_job_run(job_id=job_id)

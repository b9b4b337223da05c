"""Operations of core that change state: running import jobs."""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import close_old_connections, connection, transaction
from django.utils.translation import gettext as _

from gongxiao.core.excel import IMPORTERS, ImportResult, run_import
from gongxiao.core.models import ImportJob, Organization, User


def start_import(
    user: User, organization: Organization, importer_name: str, upload: UploadedFile
) -> ImportJob:
    """Store the upload and run its dry run: inline when small, in a background thread when large."""
    job = ImportJob.objects.create(
        organization=organization,
        created_by=user,
        importer=importer_name,
        file=upload,
        filename=upload.name or "upload.xlsx",
    )
    _dispatch(job, dry_run=True, large=(upload.size or 0) > settings.IMPORT_BACKGROUND_BYTES)
    job.refresh_from_db()
    return job


def confirm_import(job: ImportJob) -> ImportJob:
    """Check the file again and write it, if the dry run passed; one transaction, all or nothing."""
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
        status=ImportJob.Status.IMPORTING, processed_rows=0
    )
    if updated:
        _dispatch(job, dry_run=False, large=job.file.size > settings.IMPORT_BACKGROUND_BYTES)
    job.refresh_from_db()
    return job


def _dispatch(job: ImportJob, *, dry_run: bool, large: bool) -> None:
    if large and settings.IMPORT_THREADS:
        # Slow work runs after the request's transaction commits, in its own thread and connection.
        thread = threading.Thread(target=_run_in_thread, args=(job.pk, dry_run), daemon=True)
        transaction.on_commit(thread.start)
    else:
        process_job(job.pk, dry_run=dry_run)


def _run_in_thread(job_id: int, dry_run: bool) -> None:
    close_old_connections()
    try:
        process_job(job_id, dry_run=dry_run)
    finally:
        connection.close()


def process_job(job_id: int, *, dry_run: bool) -> ImportResult | None:
    job = ImportJob.objects.select_related("organization", "created_by").get(pk=job_id)
    importer = IMPORTERS[job.importer](job.created_by, job.organization)
    if dry_run:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.CHECKING)

    def progress(done: int, total: int) -> None:
        job.set_progress(done, total_rows=total)

    try:
        with job.file.open("rb") as handle:
            result = run_import(importer, handle, dry_run=dry_run, progress=progress)
    except Exception as exc:  # the job page must say it stopped, not spin forever
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.ERROR, message=str(exc)[:500])
        raise
    if result.errors:
        status = ImportJob.Status.FAILED
    elif dry_run:
        status = ImportJob.Status.CHECKED
    else:
        status = ImportJob.Status.DONE
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        total_rows=result.total,
        processed_rows=result.total,
        created_count=result.created,
        updated_count=result.updated,
        unchanged_count=result.unchanged,
        errors=result.errors[:5000],
        message=_("%(count)s errors") % {"count": len(result.errors)} if result.errors else "",
    )
    return result


def import_for_user(
    user: User, organization: Organization, importer_name: str, path: str, *, dry_run: bool
) -> Any:
    """The command-line import: same engine, same checks, same permission."""
    importer = IMPORTERS[importer_name](user, organization)
    return run_import(importer, path, dry_run=dry_run)

"""A large import runs in a background thread; the job page reports its progress and result."""

import time

import pytest

from gongxiao.core.models import ImportJob
from gongxiao.members.models import Member
from gongxiao.members.tests.factories import member_row, workbook


@pytest.mark.django_db(transaction=True)
def test_large_import_runs_in_a_thread_and_finishes(county, client_a, settings):
    # given: every file counts as large, and threads are on
    settings.IMPORT_BACKGROUND_BYTES = 1
    settings.IMPORT_THREADS = True
    rows = [member_row(i) for i in range(1, 40)]
    # when
    response = client_a.post(
        "/base/imports/new/members/", {"organization": county.coop_a.pk, "file": workbook(rows)}
    )
    job_id = int(response["Location"].rstrip("/").split("/")[-1])
    deadline = time.monotonic() + 30
    while ImportJob.objects.get(pk=job_id).is_running and time.monotonic() < deadline:
        time.sleep(0.1)
    job = ImportJob.objects.get(pk=job_id)
    # then
    assert job.status == ImportJob.Status.CHECKED
    assert (job.total_rows, job.created_count) == (39, 39)
    status_fragment = client_a.get(f"/base/imports/{job_id}/", HTTP_HX_REQUEST="true").content.decode()
    assert "confirm-import" in status_fragment
    client_a.post(f"/base/imports/{job_id}/confirm/")
    deadline = time.monotonic() + 30
    while ImportJob.objects.get(pk=job_id).is_running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ImportJob.objects.get(pk=job_id).status == ImportJob.Status.DONE
    assert Member.objects.count() == 39


@pytest.mark.django_db(transaction=True)
def test_running_job_page_polls_with_a_progress_bar(county, client_a):
    from django.core.files.base import ContentFile

    job = ImportJob.objects.create(
        organization=county.coop_a,
        created_by=county.clerk_a,
        importer="members",
        filename="x.xlsx",
        status=ImportJob.Status.CHECKING,
        total_rows=1000,
        processed_rows=250,
        file=ContentFile(b"", name="x.xlsx"),
    )
    html = client_a.get(f"/base/imports/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in html
    assert "25%" in html

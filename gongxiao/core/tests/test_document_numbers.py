"""Document numbers: one statement each, per organization, kind and year; never the same twice."""

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from gongxiao.core.models import DocumentSequence, Organization
from gongxiao.core.testing import small_county


def test_numbers_count_per_organization_kind_and_year(county):
    take = DocumentSequence.next_number
    assert take(county.coop_a, "XS", 2023) == "XS-QS-A-2023-000001"
    assert take(county.coop_a, "XS", 2023) == "XS-QS-A-2023-000002"
    assert take(county.coop_a, "CG", 2023) == "CG-QS-A-2023-000001"
    assert take(county.coop_a, "XS", 2024) == "XS-QS-A-2024-000001"
    assert take(county.coop_b, "XS", 2023) == "XS-QS-B-2023-000001"
    assert DocumentSequence.objects.get(organization=county.coop_a, kind="XS", year=2023).last == 2


def test_a_number_is_one_statement(county):
    DocumentSequence.next_number(county.coop_a, "XS", 2023)
    with CaptureQueriesContext(connection) as queries:
        assert DocumentSequence.next_number(county.coop_a, "XS", 2023).endswith("000002")
    assert len(queries) == 1


def test_a_rolled_back_document_gives_its_number_back(county):
    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        assert DocumentSequence.next_number(county.coop_a, "XS", 2023).endswith("000001")
        raise Refused
    assert DocumentSequence.next_number(county.coop_a, "XS", 2023).endswith("000001")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_thirty_transactions_at_once_take_thirty_different_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serializes writers")
    county = small_county()
    coop = Organization.objects.get(pk=county.coop_a.pk)
    numbers: list[str] = []
    barrier = threading.Barrier(30)

    def take() -> None:
        try:
            barrier.wait()
            with transaction.atomic():  # the counter does not exist yet: the first ones race to make it
                numbers.append(DocumentSequence.next_number(coop, "XS", 2023))
        except Exception as exc:  # any failure is a bug, and the assertion below shows it
            numbers.append(f"error: {exc!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == [f"XS-QS-A-2023-{n:06d}" for n in range(1, 31)]

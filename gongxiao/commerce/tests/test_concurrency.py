"""On PostgreSQL, many counters selling the last units at once never oversell."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from gongxiao.commerce.actions import DocumentSpec, LineSpec, create_and_confirm
from gongxiao.commerce.errors import InsufficientStock
from gongxiao.commerce.integrity import stock_balances_match_moves
from gongxiao.commerce.models import Document
from gongxiao.commerce.stock import on_hand
from gongxiao.commerce.testing import receive, trade_setup
from gongxiao.core.testing import small_county

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serializes writers")


def test_fifty_threads_sell_the_last_twenty_units():
    # given
    trade = trade_setup(small_county())
    receive(trade, trade.store_a, trade.fertilizer, "20", "3.00")
    results: list[str] = []
    barrier = threading.Barrier(50)

    def sell() -> None:
        try:
            barrier.wait()
            create_and_confirm(
                trade.county.clerk_a,
                DocumentSpec(
                    kind=Document.Kind.SALE,
                    organization=trade.county.coop_a,
                    location=trade.store_a,
                    lines=[LineSpec(trade.fertilizer, Decimal("1"), unit_price=Decimal("4"))],
                ),
            )
            results.append("sold")
        except InsufficientStock as exc:
            results.append("refused: " + exc.messages[0])
        except Exception as exc:  # any other failure is a bug, and the assertion below shows it
            results.append(f"error: {exc!r}")
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=sell) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert results.count("sold") == 20, [r for r in results if r.startswith("error")][:3]
    assert sum(r.startswith("refused") for r in results) == 30
    assert all("库存不足" in r for r in results if r.startswith("refused"))
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("0")
    assert Document.objects.filter(kind="sale", status="confirmed").count() == 20
    numbers = list(Document.objects.filter(kind="sale", status="confirmed").values_list("number", flat=True))
    assert len(set(numbers)) == 20
    assert stock_balances_match_moves() == []

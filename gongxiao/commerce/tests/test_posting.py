"""Posting a document costs a fixed few statements, and stays safe when many post at once.

`create_and_confirm` writes the document once, already confirmed; `confirm_document` still confirms a
draft under its row lock; the stock ledger locks (and creates) balance rows in one statement, in key
order, and writes them in one more.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongxiao.commerce.actions import (
    DocumentSpec,
    LineSpec,
    PaymentSpec,
    confirm_document,
    create_and_confirm,
    create_document,
)
from gongxiao.commerce.errors import InsufficientStock, TradeError
from gongxiao.commerce.integrity import stock_balances_match_moves
from gongxiao.commerce.models import Document, DocumentLine, Location, StockBalance, StockMove
from gongxiao.commerce.stock import MoveSpec, apply_moves, on_hand
from gongxiao.commerce.testing import receive, trade_setup
from gongxiao.core.testing import small_county


def _sale(trade, *lines, payments=()):
    return DocumentSpec(
        kind=Document.Kind.SALE,
        organization=trade.county.coop_a,
        location=trade.store_a,
        channel=Document.Channel.COUNTER,
        lines=list(lines),
        payments=list(payments),
    )


def test_a_confirmed_sale_is_written_once_and_answers_without_a_query(trade):
    # given
    receive(trade, trade.store_a, trade.fertilizer, "1000", "3.00")
    receive(trade, trade.store_a, trade.seed, "10", "50.00")
    spec = _sale(
        trade,
        LineSpec(trade.fertilizer, package=trade.bag, package_quantity=Decimal("2")),
        LineSpec(trade.seed, Decimal("1")),
        payments=[PaymentSpec("cash", Decimal("300.00")), PaymentSpec("mobile", Decimal("80.00"))],
    )
    # when
    sale = create_and_confirm(trade.county.clerk_a, spec)
    # then
    with CaptureQueriesContext(connection) as queries:
        answered = [(line.product_id, line.quantity, line.unit_cost) for line in sale.lines.all()]
        paid = sorted((p.method, p.amount) for p in sale.payments.all())
    assert len(queries) == 0
    stored = Document.objects.get(pk=sale.pk)
    assert (stored.status, stored.number, stored.confirmed_by) == (
        Document.Status.CONFIRMED,
        sale.number,
        trade.county.clerk_a,
    )
    assert sale.number.startswith("XS-QS-A-") and sale.number.endswith("000001")
    assert answered == [
        (line.product_id, line.quantity, line.unit_cost)
        for line in DocumentLine.objects.filter(document=sale).order_by("pk")
    ]
    assert answered == [
        (trade.fertilizer.pk, Decimal("100.000"), Decimal("3.0000")),
        (trade.seed.pk, Decimal("1"), Decimal("50.0000")),
    ]
    assert paid == [("cash", Decimal("300.00")), ("mobile", Decimal("80.00"))]
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("900")
    assert stock_balances_match_moves() == []


def test_a_draft_is_still_confirmed_through_its_lock(trade):
    receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    draft = create_document(trade.county.clerk_a, _sale(trade, LineSpec(trade.fertilizer, Decimal("40"))))
    assert Document.objects.get(pk=draft.pk).status == Document.Status.DRAFT
    confirmed = confirm_document(draft, trade.county.clerk_a)
    assert confirmed.status == Document.Status.CONFIRMED
    assert confirmed.lines.get().unit_cost == Decimal("3.0000")
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("60")
    with pytest.raises(TradeError) as exc:
        confirm_document(draft, trade.county.clerk_a)
    assert exc.value.code == "not_draft"


def test_a_refused_sale_writes_nothing_not_even_a_balance_row(trade):
    receive(trade, trade.store_a, trade.fertilizer, "10", "3.00")
    before = list(StockBalance.objects.order_by("pk").values_list("pk", "quantity", "value"))
    with pytest.raises(InsufficientStock):
        create_and_confirm(
            trade.county.clerk_a,
            _sale(trade, LineSpec(trade.fertilizer, Decimal("5")), LineSpec(trade.seed, Decimal("1"))),
        )
    assert list(StockBalance.objects.order_by("pk").values_list("pk", "quantity", "value")) == before
    assert Document.objects.filter(kind="sale").count() == 0
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("10")


def test_moves_cost_three_statements_whatever_their_number(trade):
    receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    specs = [
        MoveSpec(trade.store_a, trade.fertilizer, Decimal("-10"), StockMove.Kind.SALE),
        MoveSpec(trade.store_a, trade.seed, Decimal("5"), StockMove.Kind.RECEIPT, unit_cost=Decimal("50")),
        MoveSpec(
            trade.warehouse_a, trade.seed, Decimal("7"), StockMove.Kind.RECEIPT, unit_cost=Decimal("48")
        ),
    ]
    with CaptureQueriesContext(connection) as queries:
        moves = apply_moves(specs)
    assert len(queries) == 3, [q["sql"] for q in queries.captured_queries]
    assert [m.value for m in moves] == [Decimal("-30.00"), Decimal("250.00"), Decimal("336.00")]
    assert on_hand(trade.store_a, trade.seed) == Decimal("5")
    assert on_hand(trade.warehouse_a, trade.seed) == Decimal("7")
    assert stock_balances_match_moves() == []


def _together(count, work):
    """Run `work(i)` in `count` threads started at once; what each returned or raised."""
    results: list[object] = [None] * count
    barrier = threading.Barrier(count)

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _postgres():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serializes writers")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_ten_clerks_confirming_one_draft_confirm_it_once():
    _postgres()
    trade = trade_setup(small_county())
    receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    draft = create_document(trade.county.clerk_a, _sale(trade, LineSpec(trade.fertilizer, Decimal("30"))))

    results = _together(10, lambda i: confirm_document(draft, trade.county.clerk_a))

    confirmed = [r for r in results if isinstance(r, Document)]
    refused = [r for r in results if isinstance(r, TradeError)]
    assert len(confirmed) == 1 and len(refused) == 9, results
    assert all(r.code == "not_draft" for r in refused)
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("70")
    assert StockMove.objects.filter(document=draft).count() == 1
    assert stock_balances_match_moves() == []


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_first_receipts_and_sales_at_a_new_store_at_once_neither_deadlock_nor_lose_stock():
    """Balance rows are created and locked in key order by one statement: whichever order the lines
    come in, and whether the row exists yet or not, no two documents wait on each other."""
    _postgres()
    trade = trade_setup(small_county())
    new_store = Location.objects.create(
        organization=trade.county.coop_a, code="A-ST2", name="桥头二店", kind="store"
    )
    products = [trade.fertilizer, trade.seed]

    def post(i):
        ordered = products if i % 2 else list(reversed(products))
        if i % 3 == 2:  # every third one sells what the others bring in, when there is some
            try:
                return create_and_confirm(
                    trade.county.clerk_a,
                    DocumentSpec(
                        kind=Document.Kind.SALE,
                        organization=trade.county.coop_a,
                        location=new_store,
                        lines=[LineSpec(p, Decimal("1"), unit_price=Decimal("100")) for p in ordered],
                    ),
                )
            except InsufficientStock:
                return "refused"
        return create_and_confirm(
            trade.county.clerk_a,
            DocumentSpec(
                kind=Document.Kind.PURCHASE,
                organization=trade.county.coop_a,
                location=new_store,
                lines=[LineSpec(p, Decimal("10"), unit_price=Decimal("2.50")) for p in ordered],
            ),
        )

    results = _together(24, post)

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    sold = sum(1 for r in results if isinstance(r, Document) and r.kind == Document.Kind.SALE)
    for product in products:
        assert StockBalance.objects.filter(location=new_store, product=product).count() == 1
        assert on_hand(new_store, product) == Decimal(16 * 10 - sold)
    assert stock_balances_match_moves() == []

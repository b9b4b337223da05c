"""The stock ledger: moves and balances, moving-average cost, no negative stock, reversal."""

from decimal import Decimal

import pytest

from gongxiao.commerce.actions import (
    DocumentSpec,
    LineSpec,
    PaymentSpec,
    confirm_document,
    create_and_confirm,
    create_document,
    reverse_document,
)
from gongxiao.commerce.errors import InsufficientStock, TradeError
from gongxiao.commerce.integrity import stock_balances_match_moves
from gongxiao.commerce.models import Batch, Document, StockBalance, StockMove
from gongxiao.commerce.stock import on_hand
from gongxiao.commerce.testing import receive


def _sale(trade, quantity, location=None, **extra):
    return DocumentSpec(
        kind=Document.Kind.SALE,
        organization=trade.county.coop_a,
        location=location or trade.store_a,
        channel=Document.Channel.COUNTER,
        lines=[LineSpec(trade.fertilizer, Decimal(quantity), unit_price=Decimal("4"))],
        **extra,
    )


def test_purchase_raises_stock_at_its_cost(trade):
    receive(trade, trade.store_a, trade.fertilizer, "1000", "3.00")
    balance = StockBalance.objects.get(location=trade.store_a, product=trade.fertilizer)
    assert (balance.quantity, balance.value, balance.average_cost) == (
        Decimal("1000"),
        Decimal("3000.00"),
        Decimal("3"),
    )


def test_moving_average_cost(trade):
    receive(trade, trade.store_a, trade.fertilizer, "1000", "3.00")
    receive(trade, trade.store_a, trade.fertilizer, "500", "3.60")
    sale = create_and_confirm(trade.county.clerk_a, _sale(trade, "300"))
    assert sale.lines.get().unit_cost == Decimal("3.2000")
    balance = StockBalance.objects.get(location=trade.store_a, product=trade.fertilizer)
    assert balance.quantity == Decimal("1200")
    assert balance.value == Decimal("3840.00")


def test_sale_beyond_stock_is_refused_and_writes_nothing(trade):
    receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    draft = create_document(trade.county.clerk_a, _sale(trade, "150"))
    with pytest.raises(InsufficientStock) as exc:
        confirm_document(draft, trade.county.clerk_a)
    assert "第 1 行" in exc.value.messages[0]
    assert "现有 100" in exc.value.messages[0]
    draft.refresh_from_db()
    assert draft.status == Document.Status.DRAFT
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("100")
    assert StockMove.objects.filter(document=draft).count() == 0


def test_package_quantities_become_base_units(trade):
    receive(trade, trade.store_a, trade.fertilizer, "1000", "3.00")
    spec = _sale(trade, "0")
    spec.lines = [
        LineSpec(
            trade.fertilizer, package=trade.bag, package_quantity=Decimal("2"), unit_price=Decimal("3.6")
        )
    ]
    spec.payments = [PaymentSpec("cash", Decimal("360.00"))]
    sale = create_and_confirm(trade.county.clerk_a, spec)
    line = sale.lines.get()
    assert (line.quantity, line.amount) == (Decimal("100.000"), Decimal("360.00"))
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("900")


def test_payments_must_add_up(trade):
    receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    spec = _sale(trade, "10", payments=[PaymentSpec("cash", Decimal("30"))])
    with pytest.raises(TradeError) as exc:
        create_and_confirm(trade.county.clerk_a, spec)
    assert "30" in exc.value.messages[0] and "40.00" in exc.value.messages[0]
    assert Document.objects.filter(kind="sale").count() == 0


def test_transfer_moves_stock_and_value(trade):
    receive(trade, trade.warehouse_a, trade.fertilizer, "1000", "3.00")
    create_and_confirm(
        trade.county.clerk_a,
        DocumentSpec(
            kind=Document.Kind.TRANSFER,
            organization=trade.county.coop_a,
            location=trade.warehouse_a,
            to_location=trade.store_a,
            channel=Document.Channel.DISTRIBUTION,
            lines=[LineSpec(trade.fertilizer, Decimal("400"))],
        ),
    )
    assert on_hand(trade.warehouse_a, trade.fertilizer) == Decimal("600")
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("400")
    assert StockBalance.objects.get(location=trade.store_a).value == Decimal("1200.00")


def test_stocktake_books_the_difference(trade):
    receive(trade, trade.store_a, trade.fertilizer, "1000", "3.00")
    stocktake = create_and_confirm(
        trade.county.clerk_a,
        DocumentSpec(
            kind=Document.Kind.STOCKTAKE,
            organization=trade.county.coop_a,
            location=trade.store_a,
            lines=[LineSpec(trade.fertilizer, Decimal("980"))],
        ),
    )
    line = stocktake.lines.get()
    assert line.book_quantity == Decimal("1000")
    move = stocktake.moves.get()
    assert (move.kind, move.quantity) == ("stocktake", Decimal("-20"))
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("980")


def test_reversal_restores_stock_and_value(trade):
    receive(trade, trade.store_a, trade.fertilizer, "1000", "3.00")
    sale = create_and_confirm(trade.county.clerk_a, _sale(trade, "300"))
    reversal = reverse_document(sale, trade.county.clerk_a, "顾客退货")
    sale.refresh_from_db()
    assert sale.status == Document.Status.REVERSED
    assert reversal.reverses == sale and reversal.total_amount == -sale.total_amount
    balance = StockBalance.objects.get(location=trade.store_a, product=trade.fertilizer)
    assert (balance.quantity, balance.value) == (Decimal("1000"), Decimal("3000.00"))
    with pytest.raises(TradeError):
        reverse_document(sale, trade.county.clerk_a, "再次冲销")
    with pytest.raises(TradeError):
        reverse_document(reversal, trade.county.clerk_a, "冲销冲销单")
    assert stock_balances_match_moves() == []


def test_reversing_a_purchase_whose_stock_was_sold_is_refused(trade):
    purchase = receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    create_and_confirm(trade.county.clerk_a, _sale(trade, "80"))
    with pytest.raises(InsufficientStock):
        reverse_document(purchase, trade.county.clerk_a, "退货给供应商")
    purchase.refresh_from_db()
    assert purchase.status == Document.Status.CONFIRMED
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("20")


def test_confirmed_document_cannot_be_confirmed_again(trade):
    purchase = receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    with pytest.raises(TradeError):
        confirm_document(purchase, trade.county.clerk_a)
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("100")


def test_numbers_run_per_organization_kind_and_year(trade):
    first = receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    second = receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    other = receive(trade, trade.store_b, trade.fertilizer, "100", "3.00")
    assert first.number.startswith("CG-QS-A-") and first.number.endswith("000001")
    assert second.number.endswith("000002")
    assert other.number.startswith("CG-QS-B-") and other.number.endswith("000001")


def test_banned_product_and_expired_batch_are_refused(trade):
    import datetime as dt

    receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    trade.fertilizer.is_banned = True
    trade.fertilizer.save()
    with pytest.raises(TradeError) as exc:
        create_and_confirm(trade.county.clerk_a, _sale(trade, "10"))
    assert "禁" in exc.value.messages[0]
    seed = trade.seed
    seed.tracks_batches = True
    seed.save()
    old = Batch.objects.create(product=seed, batch_no="B2020", expires_on=dt.date(2021, 1, 1))
    create_and_confirm(
        trade.county.clerk_a,
        DocumentSpec(
            kind="purchase",
            organization=trade.county.coop_a,
            location=trade.store_a,
            lines=[LineSpec(seed, Decimal("10"), unit_price=Decimal("50"), batch=old)],
        ),
    )
    with pytest.raises(TradeError) as exc:
        create_and_confirm(
            trade.county.clerk_a,
            DocumentSpec(
                kind="sale",
                organization=trade.county.coop_a,
                location=trade.store_a,
                lines=[LineSpec(seed, Decimal("1"), batch=old)],
            ),
        )
    assert "过期" in exc.value.messages[0]
    with pytest.raises(TradeError) as exc:
        create_document(
            trade.county.clerk_a,
            DocumentSpec(
                kind="sale",
                organization=trade.county.coop_a,
                location=trade.store_a,
                lines=[LineSpec(seed, Decimal("1"))],
            ),
        )
    assert "批次" in exc.value.messages[0]


def test_clerk_b_cannot_write_for_coop_a(trade):
    with pytest.raises(TradeError):
        create_document(trade.county.clerk_b, _sale(trade, "1"))
    spec = _sale(trade, "1")
    spec.organization = trade.county.coop_b
    with pytest.raises(TradeError) as exc:
        create_document(trade.county.clerk_b, spec)
    assert "库位" in exc.value.messages[0] or "Stock location" in exc.value.messages[0]
    assert Document.objects.count() == 0


def test_scoped_views_of_moves_and_balances(trade):
    receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    receive(trade, trade.store_b, trade.fertilizer, "50", "3.00")
    assert StockBalance.objects.visible_to(trade.county.clerk_a).count() == 1
    assert StockMove.objects.visible_to(trade.county.clerk_b).get().quantity == Decimal("50")
    assert StockBalance.objects.visible_to(trade.county.leader).count() == 2


def test_integrity_check_finds_a_tampered_balance(trade):
    receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    assert stock_balances_match_moves() == []
    StockBalance.objects.update(quantity=Decimal("99"))
    problems = stock_balances_match_moves()
    assert len(problems) == 1 and "99" in problems[0]

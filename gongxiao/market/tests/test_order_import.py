"""Importing a channel's order export: dry run, idempotence, refunds, unknown products, stock."""

from decimal import Decimal

from gongxiao.commerce.models import Document, StockBalance, StockMove
from gongxiao.core.excel import IMPORTERS, run_import
from gongxiao.market.models import ChannelOrder
from gongxiao.market.testing import order_file, order_row


def _import(market, rows, dry_run=False, channel=None, user=None):
    channel = channel or market.channel_a
    importer = IMPORTERS[f"channel_orders:{channel.pk}"](user or market.county.clerk_a)
    return run_import(importer, order_file(rows), dry_run=dry_run)


def _stock(market, product):
    return StockBalance.objects.get(location=market.warehouse_a, product=product).quantity


def _state():
    return (
        list(ChannelOrder.objects.order_by("pk").values()),
        list(Document.objects.order_by("pk").values("pk", "status", "total_amount")),
        StockMove.objects.count(),
    )


def test_an_import_posts_one_sale_document_and_a_second_import_changes_nothing(market):
    # given: three orders, one of them with two products
    rows = [
        order_row("A1001", market.tea, 2),
        order_row("A1001", market.eggs, 30),
        order_row("A1002", market.noodles, 1, when="2022-03-06 09:00:00"),
    ]
    # when
    first = _import(market, rows)
    state = _state()
    second = _import(market, rows)
    # then
    assert first.ok and (first.created, first.updated) == (3, 0)
    assert second.ok and (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert _state() == state
    document = Document.objects.get(channel="online", kind="sale")
    assert document.status == "confirmed"
    assert document.total_amount == Decimal("76.00") + Decimal("75.00") + Decimal("12.80")
    assert set(ChannelOrder.objects.values_list("document_id", flat=True)) == {document.pk}
    assert _stock(market, market.eggs) == Decimal("970")


def test_a_later_refund_row_reverses_the_sale_red_and_blue(market):
    _import(market, [order_row("A1", market.tea, 2), order_row("A2", market.eggs, 10)])
    sale = Document.objects.get(kind="sale")
    # when: the next export says A1 was refunded
    result = _import(
        market, [order_row("A1", market.tea, 2, status="已退款"), order_row("A2", market.eggs, 10)]
    )
    # then
    assert result.ok and (result.updated, result.unchanged) == (1, 1)
    sale.refresh_from_db()
    assert sale.status == "reversed"
    red = Document.objects.get(reverses=sale)
    assert red.total_amount == -sale.total_amount
    blue = (
        Document.objects.filter(kind="sale", status="confirmed", reverses__isnull=True)
        .exclude(pk=sale.pk)
        .get()
    )
    assert blue.total_amount == Decimal("25.00")
    a1 = ChannelOrder.objects.get(order_no="A1")
    a2 = ChannelOrder.objects.get(order_no="A2")
    assert (a1.status, a1.refund_amount, a1.document_id, a1.reversal_id) == (
        "refunded",
        Decimal("76.00"),
        sale.pk,
        red.pk,
    )
    assert (a2.status, a2.document_id) == ("paid", blue.pk)
    assert _stock(market, market.tea) == Decimal("1000")
    assert _stock(market, market.eggs) == Decimal("990")
    # and the sum of the channel's sale documents is its net sales
    total = sum(d.total_amount for d in Document.objects.filter(kind="sale"))
    assert total == Decimal("25.00")


def test_a_partial_refund_stays_a_sale_at_its_net_amount(market):
    _import(market, [order_row("A1", market.tea, 2)])
    result = _import(market, [order_row("A1", market.tea, 2, refund=10)])
    assert result.ok
    order = ChannelOrder.objects.get()
    assert (order.status, order.refund_amount, order.net_amount) == (
        "partly_refunded",
        Decimal("10.00"),
        Decimal("66.00"),
    )
    live = Document.objects.get(kind="sale", status="confirmed", reverses__isnull=True)
    assert live.total_amount == Decimal("66.00") and order.document_id == live.pk
    assert _stock(market, market.tea) == Decimal("998")


def test_an_unknown_product_fails_the_dry_run_with_row_and_value_and_writes_nothing(market):
    rows = [order_row("A1", market.tea, 2), order_row("A2", market.eggs, 1)]
    rows[1][2] = "XX99"
    before = _state()
    result = _import(market, rows, dry_run=True)
    assert [(e["row"], e["column"]) for e in result.errors] == [(3, "商品编码")]
    assert "XX99" in result.errors[0]["message"]
    assert _state() == before
    result = _import(market, rows)
    assert not result.written and _state() == before


def test_an_order_first_seen_refunded_is_kept_but_not_sold(market):
    result = _import(
        market,
        [order_row("A1", market.tea, 1, status="已退款"), order_row("A2", market.tea, 1, status="已取消")],
    )
    assert result.ok
    assert not Document.objects.filter(kind="sale").exists()
    assert sorted(ChannelOrder.objects.values_list("status", flat=True)) == ["cancelled", "refunded"]


def test_a_changed_quantity_of_a_booked_order_is_refused(market):
    _import(market, [order_row("A1", market.tea, 2)])
    before = _state()
    result = _import(market, [order_row("A1", market.tea, 3)])
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, "数量")]
    assert _state() == before


def test_a_refunded_order_cannot_become_a_sale_again(market):
    _import(market, [order_row("A1", market.tea, 2, status="已退款")])
    result = _import(market, [order_row("A1", market.tea, 2)])
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, "订单状态")]


def test_not_enough_stock_fails_the_dry_run(market):
    before = _state()
    result = _import(
        market, [order_row("A1", market.tea, 600), order_row("A2", market.tea, 600)], dry_run=True
    )
    assert len(result.errors) == 1 and "九蒸九晒姜茶" in result.errors[0]["message"]
    assert _state() == before


def test_a_missing_mapped_column_is_named(market):
    importer = IMPORTERS[f"channel_orders:{market.channel_a.pk}"](market.county.clerk_a)
    headers = ["订单号", "下单时间", "商品编码", "数量", "单价"]
    result = run_import(
        importer, order_file([["A1", "2022-03-05", "NT01", 1, 38]], headers=headers), dry_run=True
    )
    assert ("订单编号", "this required column is missing from the file") in [
        (e["column"], e["message"]) for e in result.errors
    ] or any(e["column"] == "订单编号" for e in result.errors)


def test_the_command_line_imports_a_channels_orders_by_its_bound_name(market, tmp_path):
    import pytest
    from django.core.management import CommandError, call_command

    path = tmp_path / "orders.xlsx"
    path.write_bytes(order_file([order_row("A1", market.tea, 2)]).getvalue())
    user = market.county.clerk_a.username
    call_command("import", f"channel_orders:{market.channel_a.pk}", str(path), "--user", user)
    assert ChannelOrder.objects.filter(channel=market.channel_a).count() == 1
    for wrong in ("channel_orders", "channel_orders:999999", "nothing"):
        with pytest.raises(CommandError):
            call_command("import", wrong, str(path), "--user", user)
    assert ChannelOrder.objects.count() == 1

"""The demo's four malls, each with its own export layout: a file imported twice gives its orders once."""

import random

import pytest

from gongxiao.commerce.models import Document, Location, StockMove
from gongxiao.core.excel import IMPORTERS, run_import
from gongxiao.market import demo_malls as demo
from gongxiao.market.integrity import channel_orders_match_documents
from gongxiao.market.models import ChannelOrder
from gongxiao.market.testing import stock_up


@pytest.fixture
def setting(county):
    products = demo.produce(county.federation)
    warehouse = Location.objects.create(
        organization=county.coop_a, code="A-EC", name="桥头电商仓", kind="warehouse"
    )
    stock_up(warehouse, county.clerk_a, *products, quantity="5000")
    return products, warehouse


def _import(user, channel, file):
    return run_import(IMPORTERS[f"channel_orders:{channel.pk}"](user), file, dry_run=False)


@pytest.mark.parametrize("spec", demo.CHANNELS, ids=[spec.code for spec in demo.CHANNELS])
def test_each_demo_channel_file_imported_twice_gives_the_same_orders_once(county, setting, spec):
    # given: the channel as the demo makes it, and a year of its orders in its own layout
    products, warehouse = setting
    channel = demo.make_channel(spec, county.coop_a, warehouse)
    orders = demo.make_orders(random.Random(spec.code), spec, products, 60, lambda: "王小明")
    rows = sum(len(order.lines) for order in orders)
    # when: the year's export is imported, then the same file again
    first = _import(county.clerk_a, channel, demo.export_file(spec, orders, demo.YEAR_END))
    stored = list(ChannelOrder.objects.order_by("pk").values())
    documents, moves = Document.objects.count(), StockMove.objects.count()
    second = _import(county.clerk_a, channel, demo.export_file(spec, orders, demo.YEAR_END))
    # then
    assert first.ok, first.error_lines()[:5]
    assert (first.created, first.updated) == (rows, 0)
    assert second.ok and (second.created, second.updated, second.unchanged) == (0, 0, rows)
    assert list(ChannelOrder.objects.order_by("pk").values()) == stored
    assert (Document.objects.count(), StockMove.objects.count()) == (documents, moves)
    sales = {o.number for o in orders if o.status_at(demo.YEAR_END) in ("paid", "partly_refunded")}
    assert len(sales) == 60
    assert set(channel.lines().sales().values_list("order_no", flat=True)) == sales


@pytest.mark.parametrize("spec", demo.CHANNELS, ids=[spec.code for spec in demo.CHANNELS])
def test_the_year_end_file_reverses_what_was_refunded_since_mid_year(county, setting, spec):
    products, warehouse = setting
    channel = demo.make_channel(spec, county.coop_a, warehouse)
    orders = demo.make_orders(random.Random(f"{spec.code}-2"), spec, products, 150, lambda: "李华")
    changed = [
        o
        for o in orders
        if o.ordered_at < demo.MID_YEAR and o.status_at(demo.MID_YEAR) != o.status_at(demo.YEAR_END)
    ]
    assert _import(county.clerk_a, channel, demo.export_file(spec, orders, demo.MID_YEAR)).ok
    result = _import(county.clerk_a, channel, demo.export_file(spec, orders, demo.YEAR_END))
    assert result.ok
    assert result.updated == sum(len(o.lines) for o in changed)
    if changed:
        assert Document.objects.filter(reverses__isnull=False).count() == 1  # the mid-year document, once
    assert channel_orders_match_documents() == []

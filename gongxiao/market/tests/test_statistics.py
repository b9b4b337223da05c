"""Sales statistics of the channels on a hand-computed case."""

import datetime as dt
from decimal import Decimal

import pytest

from gongxiao.core.excel import IMPORTERS, run_import
from gongxiao.market.models import Brand, ChannelOrder
from gongxiao.market.statistics import compute
from gongxiao.market.testing import order_file, order_row

YEAR = (dt.date(2022, 1, 1), dt.date(2022, 12, 31))


@pytest.fixture
def orders(market):
    county = market.county
    rows_a = [
        order_row("A1", market.tea, 2, when="2022-01-15 10:00:00"),  # 76.00
        order_row("A1", market.eggs, 10, when="2022-01-15 10:00:00"),  # 25.00
        order_row("A2", market.noodles, 1, status="已退款", when="2022-01-20 09:00:00"),  # not a sale
        order_row("A3", market.tea, 1, refund=8, when="2022-02-03 12:00:00"),  # 38.00 - 8.00
        order_row("A4", market.eggs, 4, when="2021-12-31 23:30:00"),  # last year
        order_row("A5", market.eggs, 4, when="2023-01-01 00:10:00"),  # next year
        order_row("A6", market.noodles, 2, when="2022-12-31 23:50:00"),  # 25.60
    ]
    rows_b = [order_row("A1", market.tea, 1, when="2022-02-10 08:00:00")]  # another mall's own "A1": 38.00
    for channel, user, rows in [
        (market.channel_a, county.clerk_a, rows_a),
        (market.channel_b, county.clerk_b, rows_b),
    ]:
        result = run_import(IMPORTERS[f"channel_orders:{channel.pk}"](user), order_file(rows), dry_run=False)
        assert result.ok, result.error_lines()
    brand = Brand.objects.create(organization=county.federation, name="瓯越鲜风")
    brand.products.set([market.tea, market.noodles])
    return brand


def _figures(figures):
    return [(f.label, f.orders, f.amount) for f in figures]


def test_statistics_of_a_year(market, orders):
    stats = compute(ChannelOrder.objects.all(), *YEAR)
    assert (stats.orders, stats.amount) == (4, Decimal("194.60"))
    assert (stats.refunded_orders, stats.refunded_amount) == (2, Decimal("20.80"))
    assert _figures(stats.by_channel) == [
        (market.channel_a.name, 3, Decimal("156.60")),
        (market.channel_b.name, 1, Decimal("38.00")),
    ]
    months = {f.label: (f.orders, f.amount) for f in stats.by_month}
    assert len(months) == 12
    assert months["2022-01"] == (1, Decimal("101.00"))
    assert months["2022-02"] == (2, Decimal("68.00"))
    assert months["2022-12"] == (1, Decimal("25.60"))
    assert sum(n for n, _a in months.values()) == 4
    assert [(f.key, f.orders, f.quantity, f.amount) for f in stats.by_product] == [
        (market.tea.pk, 3, Decimal("4"), Decimal("144.00")),
        (market.noodles.pk, 1, Decimal("2"), Decimal("25.60")),
        (market.eggs.pk, 1, Decimal("10"), Decimal("25.00")),
    ]
    assert [(f.key, f.orders, f.amount) for f in stats.by_brand] == [
        (orders.pk, 4, Decimal("169.60")),
        (None, 1, Decimal("25.00")),
    ]
    assert stats.whole_year and "4" in stats.sentence() and "0.02" in stats.sentence()


def test_statistics_of_a_period_and_a_channel(market, orders):
    stats = compute(market.channel_a.lines(), dt.date(2022, 1, 1), dt.date(2022, 1, 31))
    assert (stats.orders, stats.amount) == (1, Decimal("101.00"))
    assert not stats.whole_year


def test_the_page_and_the_api_show_each_user_their_own_channels(
    market, orders, leader_client, client_a, client_b
):
    assert leader_client.get("/api/market/statistics?year=2022").json()["orders"] == 4
    api_a = client_a.get("/api/market/statistics?year=2022").json()
    assert (api_a["orders"], Decimal(api_a["amount"])) == (3, Decimal("156.60"))
    assert client_b.get("/api/market/statistics?year=2022").json()["orders"] == 1
    page = client_a.get("/market/statistics/?year=2022")
    assert page.context["stats"].orders == 3
    assert page.context["chart"]["month_orders"][0] == 1
    assert market.channel_b.name not in page.content.decode()
    assert client_b.get(f"/market/statistics/?channel={market.channel_a.pk}").status_code == 404


def test_the_fairs_sentence_counts_the_fairs_only(market, orders):
    from gongxiao.market.models import Channel

    fair = market.channel_b
    Channel.objects.filter(pk=fair.pk).update(
        kind=Channel.Kind.EVENT,
        platform=Channel.Platform.TRADE_FAIR,
        starts_on=dt.date(2022, 2, 9),
        ends_on=dt.date(2022, 2, 11),
        visitors=1200,
        online_views=35000,
    )
    stats = compute(ChannelOrder.objects.all(), *YEAR, Channel.objects.all())
    assert (stats.events, stats.event_orders, stats.event_amount) == (1, 1, Decimal("38.00"))
    assert (stats.visitors, stats.online_views) == (1200, 35000)
    assert stats.orders == 4  # the online orders are still in the totals

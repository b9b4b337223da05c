"""A correction of an earlier day changes an inside holder's day-by-day reserve compliance."""

import datetime as dt
from decimal import Decimal

from gongxiao.commerce.actions import DocumentSpec, LineSpec, create_and_confirm, reverse_document
from gongxiao.commerce.models import Location
from gongxiao.commerce.testing import receive, trade_setup
from gongxiao.core import clock
from gongxiao.supply.models import ReserveHolder, ReserveQuota
from gongxiao.supply.reserve import compliance
from gongxiao.supply.testing import reserve_plan, urea

D = Decimal
NOVEMBER = [dt.date(2022, 11, d) for d in range(1, 31)]


def test_a_forgotten_receipt_entered_as_a_correction_fills_the_days_it_corrects(county):
    # given: an inside holder with a 50 t quota whose zone holds 40 t from 20 October
    plan = reserve_plan(county)  # November 2022 - April 2023, 40 元/吨/月, 100 % on any day
    product = urea(county)
    trade = trade_setup(county)
    zone = Location.objects.create(
        organization=county.coop_a,
        code="A-RZ",
        name="桥头仓库储备区",
        kind="reserve_zone",
        warehouse=trade.warehouse_a,
    )
    holder = ReserveHolder.objects.create(
        plan=plan, code="CB-02", name="桥头供销社", stock_organization=county.coop_a
    )
    ReserveQuota.objects.create(holder=holder, product=product, quantity=D("50"), zone=zone)
    with clock.travel(dt.datetime(2022, 10, 20, 9)):
        receive(trade, zone, product, "40000", "2.4")
    before = compliance(holder, today=dt.date(2022, 12, 1))
    assert [day.day for day in before.days if day.is_short] == NOVEMBER
    assert (before.short_days, before.short_tonne_days, before.months[0].paid_tonne_days) == (
        30,
        D("300"),
        D("1200"),
    )

    # when: on 15 November the 10 t that arrived on 5 November are entered as a correction of that day
    with clock.travel(dt.datetime(2022, 11, 15, 10)):
        correction = create_and_confirm(
            county.clerk_a,
            DocumentSpec(
                kind="purchase",
                organization=county.coop_a,
                location=zone,
                partner_name="青山县农资有限公司",
                lines=[LineSpec(product, D("10000"), unit_price=D("2.4"))],
                corrects_date=dt.date(2022, 11, 5),
                correction_reason="储备入库单漏录，补录11月5日到货",
            ),
        )

    # then: 1-4 November stay 10 t short, from 5 November the quota is met
    after = compliance(holder, today=dt.date(2022, 12, 1))
    assert [day.day for day in after.days if day.is_short] == NOVEMBER[:4]
    assert [day.stock for day in after.days[3:6]] == [D("40"), D("50"), D("50")]
    # 4 days × 40 t + 26 days × 50 t = 1,460 tonne-days; × 40 元 / 30 days
    (november,) = after.months
    assert (after.short_days, after.short_tonne_days, november.paid_tonne_days) == (4, D("40"), D("1460"))
    assert november.subsidy == D("1946.67")

    # and the reversal of the correction takes it out of the same days again
    with clock.travel(dt.datetime(2022, 11, 16, 10)):
        reverse_document(correction, county.clerk_a, "到货数量有误，重新录入")
    again = compliance(holder, today=dt.date(2022, 12, 1))
    assert again.short_days == 30 and again.months[0].paid_tonne_days == D("1200")

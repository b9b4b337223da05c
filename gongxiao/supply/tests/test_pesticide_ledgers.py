"""The two pesticide ledgers in the layout of 《农药管理条例》 art. 26-27, scoped and exportable."""

import datetime as dt
import io
from decimal import Decimal

from python_calamine import CalamineWorkbook

from gongxiao.commerce.actions import LineSpec
from gongxiao.core.testing import make_ric
from gongxiao.supply.actions import Buyer, Checkout, CounterLine, checkout


def _sell(shop):
    buyer = Buyer(
        name="王大山",
        id_number=make_ric(dt.date(1985, 6, 1), 31),
        address="上村 12 号",
        crop="水稻",
        pest="稻飞虱",
    )
    checkout(
        shop.county.clerk_a,
        Checkout(outlet=shop.outlet, lines=[CounterLine(LineSpec(shop.pesticide, Decimal("3")), buyer)]),
    )
    return buyer


def _rows(response):
    return CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()


def test_purchase_ledger_lists_pesticide_purchases_only(shop, client_a):
    rows = _rows(client_a.get("/supply/ledgers/pesticide-purchases/?export=xlsx"))
    assert rows[0][:8] == [
        "采购日期",
        "农药名称",
        "登记证号",
        "规格",
        "数量",
        "生产企业",
        "供货单位",
        "供货单位联系方式",
    ]
    names = [r[1] for r in rows[1:]]
    assert sorted(names) == ["克百威颗粒剂", "吡虫啉"]
    assert "PD20050011" in [r[2] for r in rows[1:]]


def test_sales_ledger_has_the_buyer_and_masks_the_id_on_the_page(shop, client_a):
    buyer = _sell(shop)
    page = client_a.get("/supply/ledgers/pesticide-sales/").content.decode()
    assert "王大山" in page and buyer.id_number not in page
    rows = _rows(client_a.get("/supply/ledgers/pesticide-sales/?export=xlsx"))
    assert rows[1][6:11] == ["王大山", buyer.id_number, "上村 12 号", "水稻", "稻飞虱"]


def test_ledgers_of_coop_a_are_invisible_to_b(shop, client_b):
    _sell(shop)
    assert len(_rows(client_b.get("/supply/ledgers/pesticide-sales/?export=xlsx"))) == 1
    assert len(_rows(client_b.get("/supply/ledgers/pesticide-purchases/?export=xlsx"))) == 1

"""《农药管理条例》 at the counter: real name, valid licence, restricted scope, banned products, retention."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gongxiao.commerce.actions import DocumentSpec, LineSpec, PaymentSpec, create_and_confirm
from gongxiao.commerce.errors import TradeError
from gongxiao.commerce.models import Document
from gongxiao.commerce.stock import on_hand
from gongxiao.core import clock
from gongxiao.core.testing import make_ric
from gongxiao.supply.actions import Buyer, Checkout, CounterLine, checkout
from gongxiao.supply.models import PesticideSaleRecord

BUYER = Buyer(name="王大山", id_number="", address="桥头镇上村 12 号", crop="水稻", pest="稻飞虱")


def _buyer(**extra):
    values = {**BUYER.__dict__, "id_number": make_ric(dt.date(1985, 6, 1), 31)}
    values.update(extra)
    return Buyer(**values)


def _sale(shop, *lines, payments=None):
    return Checkout(outlet=shop.outlet, lines=list(lines), payments=payments or [])


def test_fertilizer_and_pesticide_with_buyer_are_sold(shop):
    sale = _sale(
        shop,
        CounterLine(LineSpec(shop.fertilizer, package=shop.bag, package_quantity=Decimal("2"))),
        CounterLine(LineSpec(shop.pesticide, Decimal("3")), _buyer()),
        payments=[PaymentSpec("cash", Decimal("332.00"))],
    )
    document = checkout(shop.county.clerk_a, sale)
    assert document.status == Document.Status.CONFIRMED
    record = PesticideSaleRecord.objects.get()
    assert (record.buyer_name, record.crop, record.line.quantity) == ("王大山", "水稻", Decimal("3.000"))
    assert on_hand(shop.store_a, shop.pesticide) == Decimal("197")


@pytest.mark.parametrize(
    "buyer,expected",
    [
        (None, "实名"),
        (_buyer(id_number=""), "身份证"),
        (_buyer(id_number="330327198506010311"), "校验位"),
        (_buyer(crop=""), "作物"),
        (_buyer(pest=""), "病虫"),
    ],
)
def test_pesticide_without_a_complete_real_name_is_refused(shop, buyer, expected):
    with pytest.raises(TradeError) as exc:
        checkout(shop.county.clerk_a, _sale(shop, CounterLine(LineSpec(shop.pesticide, Decimal("1")), buyer)))
    assert any(expected in message for message in exc.value.messages), exc.value.messages
    assert "第 1 行" in exc.value.messages[0]
    assert Document.objects.filter(kind="sale").count() == 0
    assert on_hand(shop.store_a, shop.pesticide) == Decimal("200")


def test_restricted_pesticide_needs_a_licence_with_that_scope(shop):
    with pytest.raises(TradeError) as exc:
        checkout(
            shop.county.clerk_a, _sale(shop, CounterLine(LineSpec(shop.restricted, Decimal("1")), _buyer()))
        )
    assert "限制使用" in exc.value.messages[0]
    shop.licence.covers_restricted = True
    shop.licence.save()
    assert checkout(
        shop.county.clerk_a, _sale(shop, CounterLine(LineSpec(shop.restricted, Decimal("1")), _buyer()))
    )


def test_expired_licence_blocks_pesticides_but_not_fertilizer(shop):
    shop.licence.valid_to = dt.date(2022, 12, 31)
    shop.licence.save()
    with pytest.raises(TradeError) as exc:
        checkout(
            shop.county.clerk_a, _sale(shop, CounterLine(LineSpec(shop.pesticide, Decimal("1")), _buyer()))
        )
    assert "许可证" in exc.value.messages[0]
    assert checkout(shop.county.clerk_a, _sale(shop, CounterLine(LineSpec(shop.fertilizer, Decimal("50")))))


def test_banned_pesticide_is_refused(shop):
    shop.pesticide.is_banned = True
    shop.pesticide.save()
    with pytest.raises(TradeError) as exc:
        checkout(
            shop.county.clerk_a, _sale(shop, CounterLine(LineSpec(shop.pesticide, Decimal("1")), _buyer()))
        )
    assert "禁用" in exc.value.messages[0]


def test_the_rule_holds_for_sales_entered_anywhere_else(shop):
    """A sale through the plain document API has no real-name record, so it is refused too."""
    with pytest.raises(TradeError) as exc:
        create_and_confirm(
            shop.county.clerk_a,
            DocumentSpec(
                kind="sale",
                organization=shop.county.coop_a,
                location=shop.store_a,
                lines=[LineSpec(shop.pesticide, Decimal("1"))],
            ),
        )
    assert "实名" in exc.value.messages[0]
    with pytest.raises(TradeError) as exc:
        create_and_confirm(
            shop.county.clerk_a,
            DocumentSpec(
                kind="sale",
                organization=shop.county.coop_a,
                location=shop.warehouse_a,
                lines=[LineSpec(shop.pesticide, Decimal("1"))],
            ),
        )
    assert "许可证" in exc.value.messages[0]


def test_sales_records_cannot_be_deleted_within_two_years(shop):
    checkout(shop.county.clerk_a, _sale(shop, CounterLine(LineSpec(shop.pesticide, Decimal("1")), _buyer())))
    record = PesticideSaleRecord.objects.get()
    with pytest.raises(ValidationError) as exc:
        record.delete()
    assert "两年" in exc.value.messages[0]
    assert PesticideSaleRecord.objects.count() == 1
    later = record.created_at + dt.timedelta(days=366 * 2 + 1)
    with clock.travel(later):
        record.delete()
    assert PesticideSaleRecord.objects.count() == 0


def test_records_are_scoped(shop):
    checkout(shop.county.clerk_a, _sale(shop, CounterLine(LineSpec(shop.pesticide, Decimal("1")), _buyer())))
    assert PesticideSaleRecord.objects.visible_to(shop.county.clerk_a).count() == 1
    assert PesticideSaleRecord.objects.visible_to(shop.county.clerk_b).count() == 0

"""At the counter in a real browser: two bags of fertilizer and a pesticide with the buyer's ID,
the receipt printed with the amount in words, and the day closed."""

from __future__ import annotations

import datetime as dt

import pytest

from gongxiao.commerce.models import Document
from gongxiao.core.testing import make_ric
from gongxiao.supply.models import CounterClosing, PesticideSaleRecord
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop_for_browser(county):
    from gongxiao.supply.testing import licensed_shop

    return licensed_shop(county)


def test_clerk_sells_at_the_counter_prints_and_closes_the_day(page, shop_for_browser):
    shop = shop_for_browser
    login(page, "clerk_a")
    page.goto(page.base_url + f"/supply/counter/{shop.outlet.pk}/")
    page.fill("[data-testid=counter-search]", "fhf")
    page.click("[data-testid='add-F001-袋']")
    page.wait_for_selector("[data-testid=cart-line]")
    page.fill("[data-testid=qty-0]", "2")
    page.press("[data-testid=qty-0]", "Tab")
    page.wait_for_function(
        "document.querySelector('[data-testid=cart-total]').textContent.includes('320.00')"
    )
    page.fill("[data-testid=counter-search]", "P001")
    page.click("[data-testid=add-P001]")
    page.wait_for_selector("[data-testid=buyer]")
    page.fill("#buyer_name", "王大山")
    good = make_ric(dt.date(1985, 6, 1), 31)
    page.fill("#buyer_id_number", good[:-1] + ("0" if good[-1] != "0" else "1"))
    page.fill("#buyer_address", "桥头镇上村 12 号")
    page.fill("#buyer_crop", "水稻")
    page.fill("#buyer_pest", "稻飞虱")
    page.click("[data-testid=checkout]")
    page.wait_for_selector("[data-testid=checkout-errors]")
    assert "身份证" in page.inner_text("[data-testid=checkout-errors]")
    assert Document.objects.filter(kind="sale").count() == 0
    page.fill("#buyer_id_number", good)
    page.click("[data-testid=checkout]")
    page.wait_for_url("**/supply/receipts/**")
    page.wait_for_selector("[data-testid=receipt]")
    assert page.inner_text("[data-testid=receipt-total]") == "324.00"
    assert page.inner_text("[data-testid=receipt-words]") == "叁佰贰拾肆元整"
    assert page.is_visible("[data-testid=print]")
    page.emulate_media(media="print")
    assert not page.is_visible("[data-testid=print]")
    page.emulate_media(media="screen")
    assert PesticideSaleRecord.objects.get().buyer_name == "王大山"
    page.goto(page.base_url + f"/supply/counter/{shop.outlet.pk}/closing/")
    assert page.inner_text("[data-testid=expected-cash]") == "324.00"
    page.fill("#counted_cash", "324")
    page.click("[data-testid=close-day]")
    page.wait_for_selector("[data-testid=closed]")
    assert CounterClosing.objects.get().counted_cash == 324

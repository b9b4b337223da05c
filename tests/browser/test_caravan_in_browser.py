"""The crew's phone at phone width in a real browser: with the network switched off the crew records a
sale and a produce purchase, which wait on the phone; back online they arrive, once, even when the phone
sends them again."""

from __future__ import annotations

import pytest

from gongxiao.caravan.models import ProducePurchase, StopSale, SyncEntry
from gongxiao.caravan.testing import TRIP_DAY, fleet
from gongxiao.commerce.models import Document
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base_url = live_server.url
    yield page
    context.close()


def _pending(page) -> int:
    return int(page.get_attribute("[data-testid=pending-count]", "data-pending"))


def test_a_crew_sells_and_buys_offline_and_the_entries_arrive_once(phone, county):
    trucks = fleet(county)
    page = phone
    login(page, "crew_a")
    page.goto(page.base_url + f"/caravan/phone/?date={TRIP_DAY.isoformat()}")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector("[data-testid=trip]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # one column, nothing wider
    # the service worker keeps the page for when there is no signal
    page.wait_for_function(
        "navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=15000
    )

    # given: no signal
    page.context.set_offline(True)
    page.wait_for_selector("[data-testid=net-status][data-online=false]")

    # when: a sale of 2 soaps at the first stop
    page.click("[data-testid=stop-1]")
    page.click("[data-testid=sell]")
    page.select_option("[data-testid=sale-product-0]", str(trucks.soap.pk))
    page.fill("[data-testid=sale-qty-0]", "2")
    assert page.inner_text("[data-testid=sale-total]") == "7.00"
    page.click("[data-testid=save-sale]")
    page.wait_for_selector("[data-testid=stop]")
    # and 10 jin of eggs bought from 张建国 at 8 yuan a jin
    page.click("[data-testid=buy]")
    page.fill("[data-testid=member-search]", "张建国")
    page.click(f"[data-testid=member-{trucks.farmer_a.pk}]")
    page.select_option("[data-testid=purchase-product]", str(trucks.eggs.pk))
    page.fill("[data-testid=purchase-weight]", "10")
    assert page.input_value("[data-testid=purchase-price]") == "8"
    page.fill("[data-testid=purchase-price]", "8")
    assert page.inner_text("[data-testid=purchase-amount]") == "80.00"
    page.click("[data-testid=save-purchase]")
    page.wait_for_selector("[data-testid=local-receipt]")
    assert page.inner_text("[data-testid=receipt-words]") == "捌拾元整"

    # then: both wait on the phone, nothing reached the server
    assert _pending(page) == 2
    assert not StopSale.objects.exists() and not ProducePurchase.objects.exists()
    # they survive a reload without signal (the page comes from the service worker, the entries from IndexedDB)
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert _pending(page) == 2
    page.click("[data-testid=outbox-link]")
    page.wait_for_selector("[data-testid=outbox]")
    assert page.locator("[data-testid=entry][data-status=pending]").count() == 2

    # when: the signal is back
    page.context.set_offline(False)
    page.wait_for_function("document.querySelector('[data-testid=pending-count]').dataset.pending === '0'")

    # then: they arrived, once
    assert StopSale.objects.count() == 1
    sale = StopSale.objects.select_related("document").get()
    assert sale.document.total_amount == 7 and sale.document.channel == Document.Channel.TRUCK
    purchase = ProducePurchase.objects.get()
    assert (purchase.member, purchase.weight_jin, purchase.amount) == (trucks.farmer_a, 10, 80)
    assert SyncEntry.objects.filter(status="accepted").count() == 2

    # when the phone sends them again (its answer was lost on a bad line), nothing more is written
    page.evaluate(
        "() => { gxPhone.state.entries.forEach(e => { e.status = 'pending'; }); return gxPhone.flush(); }"
    )
    page.wait_for_function("document.querySelector('[data-testid=pending-count]').dataset.pending === '0'")
    assert StopSale.objects.count() == 1 and ProducePurchase.objects.count() == 1
    assert sorted(SyncEntry.objects.values_list("attempts", flat=True)) == [2, 2]
    # the farmer's receipt can now be printed from the server
    page.goto(page.base_url + "/caravan/phone/#/outbox")
    page.wait_for_selector("[data-testid=outbox]")
    assert page.locator("[data-testid=entry][data-status=sent]").count() == 2


def test_a_refused_entry_shows_the_servers_message(phone, county):
    trucks = fleet(county)
    page = phone
    login(page, "crew_a")
    page.goto(page.base_url + f"/caravan/phone/?date={TRIP_DAY.isoformat()}")
    page.wait_for_selector("[data-testid=trip]")
    page.context.set_offline(True)
    page.wait_for_selector("[data-testid=net-status][data-online=false]")
    page.click("[data-testid=stop-1]")
    page.click("[data-testid=sell]")
    page.select_option("[data-testid=sale-product-0]", str(trucks.rice.pk))
    page.fill("[data-testid=sale-qty-0]", "20")
    page.click("[data-testid=save-sale]")
    page.wait_for_selector("[data-testid=stop]")
    # meanwhile the depot sold 15 bags of rice off the truck
    from gongxiao.caravan import actions
    from gongxiao.caravan.models import TripStop

    stop = TripStop.objects.get(trip=trucks.trip_a, position=2)
    actions.record_sale(county.clerk_a, stop, [actions.SaleLine(trucks.rice.pk, 15)], "cash")
    page.context.set_offline(False)
    page.wait_for_function("document.querySelector('[data-testid=pending-count]').dataset.refused === '1'")
    page.click("[data-testid=outbox-link]")
    message = page.inner_text("[data-testid=entry][data-status=refused] [data-testid=entry-message]")
    assert "大米" in message and "5" in message
    assert StopSale.objects.count() == 1

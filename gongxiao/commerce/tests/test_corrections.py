"""A correction of an earlier day (更正单): written now, counted on the day it corrects.

Dates: stock came in on 28 September (D-5); the correction is entered on 13 October (D+10) for
3 October (D). Moves are written under `clock.travel`, as the demo writes its past year.
"""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from gongxiao.commerce.actions import (
    DocumentSpec,
    LineSpec,
    confirm_document,
    create_and_confirm,
    create_document,
    reverse_document,
)
from gongxiao.commerce.asof import stock_as_of, stock_series
from gongxiao.commerce.errors import TradeError
from gongxiao.commerce.integrity import stock_balances_match_moves
from gongxiao.commerce.models import Document, StockBalance, StockMove
from gongxiao.commerce.stock import on_hand
from gongxiao.commerce.testing import receive
from gongxiao.core import clock, roles
from gongxiao.core.models import ApiToken
from gongxiao.core.testing import make_user

D = dt.date(2024, 10, 3)
BEFORE = dt.datetime(2024, 9, 28, 9)  # D-5: the first receipt
ENTERED = dt.datetime(2024, 10, 13, 10)  # D+10: the correction is entered
REASON = "入库单漏录，补录10月3日到货"


def _day(n: int) -> dt.date:
    return D + dt.timedelta(days=n)


def _spec(trade, kind="purchase", quantity="50", location=None, **extra):
    return DocumentSpec(
        kind=kind,
        organization=trade.county.coop_a,
        location=location or trade.store_a,
        partner_name="县农资公司",
        lines=[LineSpec(trade.fertilizer, Decimal(quantity), unit_price=Decimal("3.40"))],
        **extra,
    )


def _correction(trade, kind="purchase", quantity="50", corrects_date=D, reason=REASON, **extra):
    return _spec(trade, kind, quantity, corrects_date=corrects_date, correction_reason=reason, **extra)


def _store_clerk(trade):
    return make_user("store_1", trade.county.coop_a, roles.STORE_CLERK)


def _series(trade, first, last, location=None):
    location = location or trade.store_a
    return stock_series(first, last, locations=[location.pk], products=[trade.fertilizer.pk]).get(
        (location.pk, trade.fertilizer.pk), {}
    )


def _with_stock(trade):
    """100 kg on 28 September, 30 sold on 8 October (D+5): 70 on hand."""
    with clock.travel(BEFORE):
        receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    with clock.travel(dt.datetime(2024, 10, 8, 15)):
        create_and_confirm(trade.county.clerk_a, _spec(trade, "sale", "30"))


def test_a_receipt_correcting_an_earlier_day_counts_from_that_day_but_is_written_now(trade):
    # given
    _with_stock(trade)
    # when
    with clock.travel(ENTERED):
        document = create_and_confirm(trade.county.clerk_a, _correction(trade))
    # then
    move = StockMove.objects.get(document=document)
    assert move.created_at == timezone.make_aware(ENTERED)  # written when entered, not backdated
    assert (move.corrects_date, document.corrects_date, document.correction_reason) == (D, D, REASON)
    assert document.date == ENTERED.date()  # the document is dated when it was entered
    series = _series(trade, _day(-1), _day(9))
    assert series[_day(-1)] == Decimal("100")
    assert [series[_day(n)] for n in range(5)] == [Decimal("150")] * 5
    assert [series[_day(n)] for n in range(5, 10)] == [Decimal("120")] * 5
    assert stock_as_of(_day(9), locations=[trade.store_a.pk])[(trade.store_a.pk, trade.fertilizer.pk)] == 120
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("120")
    assert stock_balances_match_moves() == []


def test_a_correction_leaves_the_balance_as_an_ordinary_receipt_would(trade):
    # given the same history in the store (corrected) and in the warehouse (ordinary receipt)
    for location in (trade.store_a, trade.warehouse_a):
        with clock.travel(BEFORE):
            receive(trade, location, trade.fertilizer, "100", "3.00")
    # when
    with clock.travel(ENTERED):
        create_and_confirm(trade.county.clerk_a, _correction(trade))
        create_and_confirm(trade.county.clerk_a, _spec(trade, location=trade.warehouse_a))
    # then
    store = StockBalance.objects.get(location=trade.store_a)
    warehouse = StockBalance.objects.get(location=trade.warehouse_a)
    assert (
        (store.quantity, store.value)
        == (warehouse.quantity, warehouse.value)
        == (
            Decimal("150"),
            Decimal("470.00"),
        )
    )
    # only the as-of figures differ: the ordinary receipt counts from the day it was entered
    assert _series(trade, D, D)[D] == Decimal("150")
    assert _series(trade, D, D, trade.warehouse_a)[D] == Decimal("100")
    assert stock_balances_match_moves() == []


def test_an_ordinary_move_has_no_corrected_day(trade):
    purchase = receive(trade, trade.store_a, trade.fertilizer, "10", "3.00")
    assert purchase.corrects_date is None and purchase.correction_reason == ""
    assert StockMove.objects.get(document=purchase).corrects_date is None


@pytest.mark.parametrize(
    ("corrects_date", "shown"),
    [
        (ENTERED.date(), "2024-10-13"),  # today
        (ENTERED.date() + dt.timedelta(days=1), "2024-10-14"),  # the future
        (ENTERED.date() - dt.timedelta(days=367), "2023-10-12"),  # more than 366 days back
    ],
)
def test_a_correction_of_today_the_future_or_too_long_ago_is_refused(trade, corrects_date, shown):
    with clock.travel(ENTERED), pytest.raises(TradeError) as refused:
        create_and_confirm(trade.county.clerk_a, _correction(trade, corrects_date=corrects_date))
    assert any(shown in message for message in refused.value.messages)
    assert Document.objects.count() == 0 and StockMove.objects.count() == 0


def test_a_correction_366_days_back_is_the_earliest_allowed(trade):
    earliest = ENTERED.date() - dt.timedelta(days=366)
    with clock.travel(ENTERED):
        document = create_and_confirm(trade.county.clerk_a, _correction(trade, corrects_date=earliest))
    assert _series(trade, earliest, earliest)[earliest] == Decimal("50")
    assert _series(trade, earliest - dt.timedelta(days=1), earliest - dt.timedelta(days=1)) == {}
    assert document.status == Document.Status.CONFIRMED


@pytest.mark.parametrize("reason", ["", "  ", "漏录"])
def test_a_correction_without_a_reason_is_refused(trade, reason):
    with clock.travel(ENTERED), pytest.raises(TradeError) as refused:
        create_document(trade.county.clerk_a, _correction(trade, reason=reason))
    assert len(refused.value.messages) == 1  # the reason, and nothing else
    assert Document.objects.count() == 0


def test_a_reason_without_a_corrected_day_is_refused(trade):
    with pytest.raises(TradeError):
        create_document(trade.county.clerk_a, _spec(trade, correction_reason=REASON))
    assert Document.objects.count() == 0


def test_a_user_without_the_permission_cannot_enter_or_confirm_a_correction(trade):
    clerk = _store_clerk(trade)
    assert clerk.has_perm("commerce.confirm_document")
    assert not clerk.has_perm("commerce.correct_document")
    assert trade.county.clerk_a.has_perm("commerce.correct_document")  # department staff
    with clock.travel(ENTERED):
        with pytest.raises(TradeError) as refused:
            create_and_confirm(clerk, _correction(trade))
        assert refused.value.code == "forbidden"
        draft = create_document(trade.county.clerk_a, _correction(trade))
        with pytest.raises(TradeError) as refused:
            confirm_document(draft, clerk)
        assert refused.value.code == "forbidden"
    draft.refresh_from_db()
    assert draft.status == Document.Status.DRAFT
    assert StockMove.objects.count() == 0


def test_a_correction_that_would_make_an_earlier_day_negative_is_refused_naming_the_day(trade):
    # given 100 on 28 September, 80 sold on 5 October (20 left), 100 more on 10 October: 120 today
    with clock.travel(BEFORE):
        receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    with clock.travel(dt.datetime(2024, 10, 5, 11)):
        create_and_confirm(trade.county.clerk_a, _spec(trade, "sale", "80"))
    with clock.travel(dt.datetime(2024, 10, 10, 11)):
        receive(trade, trade.store_a, trade.fertilizer, "100", "3.00")
    # when a sale of 50 on 3 October is entered late: 3-4 October keep 50, 5-9 October would be -30
    with clock.travel(ENTERED), pytest.raises(TradeError) as refused:
        create_and_confirm(trade.county.clerk_a, _correction(trade, "sale", "50", reason="门市销售单补录"))
    # then
    (message,) = refused.value.messages
    assert "第 1 行" in message and "2024-10-05" in message and "-30" in message
    assert Document.objects.filter(corrects_date__isnull=False).count() == 0
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("120")
    # a late sale that each day can bear is accepted
    with clock.travel(ENTERED):
        create_and_confirm(trade.county.clerk_a, _correction(trade, "sale", "20", reason="门市销售单补录"))
    assert _series(trade, _day(2), _day(2))[_day(2)] == Decimal("0")  # 5 October
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("100")


def test_a_stocktake_correction_counts_against_the_book_of_its_day(trade):
    _with_stock(trade)  # 100 on 3 October, 70 today
    with clock.travel(ENTERED):
        stocktake = create_and_confirm(
            trade.county.clerk_a, _correction(trade, "stocktake", "95", reason="10月3日盘点表补录")
        )
    line = stocktake.lines.get()
    assert line.book_quantity == Decimal("100")
    assert StockMove.objects.get(document=stocktake).quantity == Decimal("-5")
    assert _series(trade, D, D)[D] == Decimal("95")
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("65")


def test_reversing_a_correction_removes_it_from_the_same_days(trade):
    _with_stock(trade)
    with clock.travel(ENTERED):
        correction = create_and_confirm(trade.county.clerk_a, _correction(trade))
    with clock.travel(ENTERED + dt.timedelta(days=1)):
        reversal = reverse_document(correction, trade.county.clerk_a, "供应商未到货，更正单录错")
    assert reversal.corrects_date == D
    assert set(StockMove.objects.filter(document=reversal).values_list("corrects_date", flat=True)) == {D}
    series = _series(trade, D, _day(10))
    assert [series[_day(n)] for n in range(5)] == [Decimal("100")] * 5
    assert [series[_day(n)] for n in range(5, 11)] == [Decimal("70")] * 6
    assert on_hand(trade.store_a, trade.fertilizer) == Decimal("70")
    assert stock_balances_match_moves() == []


def test_a_correction_cannot_be_reversed_without_the_permission(trade):
    with clock.travel(ENTERED):
        correction = create_and_confirm(trade.county.clerk_a, _correction(trade))
        clerk = make_user("reverser", trade.county.coop_a)
        from django.contrib.auth.models import Permission

        clerk.user_permissions.add(Permission.objects.get(codename="reverse_document"))
        with pytest.raises(TradeError) as refused:
            reverse_document(correction, clerk, "录错")
    assert refused.value.code == "forbidden"
    correction.refresh_from_db()
    assert correction.status == Document.Status.CONFIRMED


# -- pages and API ---------------------------------------------------------------------------------


def _form(trade, **extra):
    return {
        "kind": "purchase",
        "location": trade.store_a.pk,
        "partner_name": "县农资公司",
        "lines-TOTAL_FORMS": "6",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-product": trade.fertilizer.pk,
        "lines-0-quantity": "50",
        "lines-0-unit_price": "3.4",
        **extra,
    }


def test_clerk_enters_a_correction_on_the_page_and_sees_it_marked_on_the_document_and_the_moves(
    trade, client_a, client_b
):
    # given
    day = clock.today() - dt.timedelta(days=3)
    assert 'data-testid="correction-section"' in client_a.get("/trade/documents/new/").content.decode()
    # when
    response = client_a.post(
        "/trade/documents/new/", _form(trade, corrects_date=day.isoformat(), correction_reason=REASON)
    )
    # then
    assert response.status_code == 302, response.content.decode()[-3000:]
    document = Document.objects.get()
    assert (document.corrects_date, document.correction_reason) == (day, REASON)
    client_a.post(f"/trade/documents/{document.pk}/confirm/")
    document.refresh_from_db()
    assert document.status == Document.Status.CONFIRMED
    page = client_a.get(f"/trade/documents/{document.pk}/").content.decode()
    assert 'data-testid="document-correction"' in page and day.isoformat() in page and REASON in page
    moves = client_a.get(reverse("commerce:moves")).content.decode()
    assert document.number in moves and day.isoformat() in moves and REASON in moves
    corrections_only = client_a.get(reverse("commerce:moves"), {"corrections": "false"}).content.decode()
    assert document.number not in corrections_only
    # another organization's clerk sees neither the document nor its moves
    assert client_b.get(f"/trade/documents/{document.pk}/").status_code == 404
    assert document.number not in client_b.get(reverse("commerce:moves")).content.decode()
    assert REASON not in client_b.get(reverse("commerce:moves")).content.decode()


def test_the_page_refuses_a_wrong_day_and_keeps_the_form(trade, client_a):
    tomorrow = clock.today() + dt.timedelta(days=1)
    response = client_a.post(
        "/trade/documents/new/", _form(trade, corrects_date=tomorrow.isoformat(), correction_reason=REASON)
    )
    assert response.status_code == 200
    assert any(tomorrow.isoformat() in message for message in response.context["trade_errors"])
    assert Document.objects.count() == 0


def test_a_store_clerk_sees_no_correction_section_and_a_posted_one_is_refused(trade):
    client = Client()
    client.force_login(_store_clerk(trade))
    assert 'data-testid="correction-section"' not in client.get("/trade/documents/new/").content.decode()
    day = clock.today() - dt.timedelta(days=3)
    response = client.post(
        "/trade/documents/new/", _form(trade, corrects_date=day.isoformat(), correction_reason=REASON)
    )
    assert response.status_code == 200 and response.context["trade_errors"]
    assert Document.objects.count() == 0


def _api(user):
    _token, key = ApiToken.issue(user, "corrections")
    client = Client()

    def post(url, data):
        return client.post(
            url, json.dumps(data), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
        )

    return post


def _payload(trade, **extra):
    return {
        "kind": "purchase",
        "location_id": trade.store_a.pk,
        "partner_name": "县农资公司",
        "confirm": True,
        "lines": [{"product_id": trade.fertilizer.pk, "quantity": "50", "unit_price": "3.4"}],
        **extra,
    }


def test_api_enters_a_correction_with_the_same_rules_and_permission(trade):
    day = clock.today() - dt.timedelta(days=3)
    post = _api(trade.county.clerk_a)
    # a day in the future and a missing reason are refused
    future = post(
        "/api/documents", _payload(trade, corrects_date=clock.today().isoformat(), correction_reason=REASON)
    )
    assert future.status_code == 422 and clock.today().isoformat() in future.json()["detail"]
    assert post("/api/documents", _payload(trade, corrects_date=day.isoformat())).status_code == 422
    assert Document.objects.count() == 0
    # a store clerk may not
    refused = _api(_store_clerk(trade))(
        "/api/documents", _payload(trade, corrects_date=day.isoformat(), correction_reason=REASON)
    )
    assert refused.status_code == 403
    assert Document.objects.count() == 0
    # department staff may
    created = post("/api/documents", _payload(trade, corrects_date=day.isoformat(), correction_reason=REASON))
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["corrects_date"], body["correction_reason"]) == (
        "confirmed",
        day.isoformat(),
        REASON,
    )
    assert StockMove.objects.get().corrects_date == day
    # another organization's clerk cannot read it
    _token, key_b = ApiToken.issue(trade.county.clerk_b, "b")
    other = Client().get(f"/api/documents/{body['id']}", HTTP_AUTHORIZATION=f"Bearer {key_b}")
    assert other.status_code == 404

"""A release order of a holder inside the system names the transfer that took the fertilizer out of
its reserve zone: linked automatically when exactly one matches, checked when the clerk names one."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from gongxiao.commerce.actions import DocumentSpec, LineSpec, create_and_confirm, reverse_document
from gongxiao.commerce.models import Location
from gongxiao.commerce.testing import receive, trade_setup
from gongxiao.core import clock
from gongxiao.supply.models import ReserveHolder, ReserveQuota, ReserveRelease
from gongxiao.supply.reserve import cancel_release, compliance
from gongxiao.supply.testing import reserve_plan, urea

D = Decimal


@pytest.fixture
def inside(county):
    """The coop A holds 50 t of urea in a reserve zone of its warehouse from 20 October 2022."""
    plan = reserve_plan(county, organization=county.coop_a)
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
    quota = ReserveQuota(holder=holder, product=product, quantity=D("50"), zone=zone)
    quota.full_clean()
    quota.save()
    with clock.travel(dt.datetime(2022, 10, 20, 9)):
        receive(trade, zone, product, "50000", "2.4")
    return county, trade, holder, zone, product


def _transfer(county, trade, zone, product, kg, when, kind="transfer"):
    with clock.travel(when):
        spec = DocumentSpec(
            kind=kind,
            organization=county.coop_a,
            location=zone,
            to_location=trade.store_a if kind == "transfer" else None,
            lines=[LineSpec(product, D(kg))],
        )
        return create_and_confirm(county.clerk_a, spec)


def _release(holder, product, tonnes, **fields):
    values = {
        "holder": holder,
        "product": product,
        "quantity": D(tonnes),
        "order_number": "县应急〔2022〕3号",
        "approved_by": "县供销社",
        "approved_on": dt.date(2022, 11, 24),
        "released_on": dt.date(2022, 11, 25),
        "destinations": "桥头镇",
    } | fields
    return ReserveRelease(**values)


def _save(release):
    release.full_clean()
    release.save()
    return release


def test_the_one_matching_transfer_is_named_and_the_shortfall_becomes_a_release(inside):
    county, trade, holder, zone, product = inside
    transfer = _transfer(county, trade, zone, product, "5000", dt.datetime(2022, 11, 25, 10))
    assert list(holder.unordered_transfers()) == [transfer]
    short = compliance(holder, today=dt.date(2022, 12, 1))
    assert [day.day for day in short.days if day.is_short] == [dt.date(2022, 11, d) for d in range(25, 31)]

    release = _save(_release(holder, product, "5", created_by=county.leader))

    assert release.document == transfer
    assert list(holder.unordered_transfers()) == []
    covered = compliance(holder, today=dt.date(2022, 12, 1))
    assert [day for day in covered.days if day.is_short] == []
    assert all(
        day.released for day in covered.days if dt.date(2022, 11, 25) <= day.day <= dt.date(2022, 11, 30)
    )


def test_a_cancelled_order_frees_its_transfer(inside):
    county, trade, holder, zone, product = inside
    transfer = _transfer(county, trade, zone, product, "5000", dt.datetime(2022, 11, 25, 10))
    release = _save(_release(holder, product, "5", created_by=county.leader))
    cancel_release(county.leader, release, "命令撤销")
    assert list(holder.unordered_transfers()) == [transfer]


def test_nothing_is_named_when_two_transfers_match_or_the_transfer_moved_more(inside):
    county, trade, holder, zone, product = inside
    _transfer(county, trade, zone, product, "2000", dt.datetime(2022, 11, 25, 10))
    _transfer(county, trade, zone, product, "3000", dt.datetime(2022, 11, 26, 10))
    assert _save(_release(holder, product, "5", created_by=county.leader)).document is None

    big = _transfer(county, trade, zone, product, "8000", dt.datetime(2022, 12, 2, 10))
    release = _release(
        holder,
        product,
        "5",
        created_by=county.leader,
        order_number="4号",
        approved_on=dt.date(2022, 12, 1),
        released_on=dt.date(2022, 12, 2),
    )
    assert _save(release).document is None
    named = _release(holder, product, "5", created_by=county.leader, order_number="5号", document=big)
    with pytest.raises(ValidationError) as error:
        named.full_clean()
    assert "8" in error.value.message_dict["document"][0] and "5" in error.value.message_dict["document"][0]


def test_a_named_document_must_be_a_confirmed_transfer_out_of_the_zone_not_named_twice(inside):
    county, trade, holder, zone, product = inside
    sale = _transfer(county, trade, zone, product, "1000", dt.datetime(2022, 11, 20, 10), kind="sale")
    transfer = _transfer(county, trade, zone, product, "5000", dt.datetime(2022, 11, 25, 10))
    for document in (sale,):
        with pytest.raises(ValidationError) as error:
            _release(holder, product, "5", created_by=county.leader, document=document).full_clean()
        assert "document" in error.value.message_dict
    _save(_release(holder, product, "5", created_by=county.leader, document=transfer))
    with pytest.raises(ValidationError) as error:
        _release(
            holder, product, "5", created_by=county.leader, order_number="6号", document=transfer
        ).full_clean()
    assert "document" in error.value.message_dict
    reverse_document(transfer, county.clerk_a, "数量错")
    transfer.refresh_from_db()
    assert list(holder.unordered_transfers()) == []  # a reversed transfer moved nothing


def test_the_holder_page_lists_unordered_transfers_and_the_api_names_the_transfer(inside, client_a, client_b):
    county, trade, holder, zone, product = inside
    transfer = _transfer(county, trade, zone, product, "5000", dt.datetime(2022, 11, 25, 10))
    page = client_a.get(holder.get_absolute_url())
    assert page.status_code == 200
    assert 'data-testid="unordered-transfers"' in page.content.decode()
    assert transfer.number in page.content.decode()

    payload = {
        "product_id": product.pk,
        "quantity": "5",
        "order_number": "3号",
        "approved_by": "县供销社",
        "approved_on": "2022-11-24",
        "released_on": "2022-11-25",
        "destinations": "桥头镇",
        "document_id": transfer.pk,
    }
    url = f"/api/reserve/holders/{holder.pk}/releases"
    assert client_b.post(url, json.dumps(payload), content_type="application/json").status_code == 404
    response = client_a.post(url, json.dumps(payload), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["document_number"] == transfer.number
    page = client_a.get(holder.get_absolute_url()).content.decode()
    assert 'data-testid="unordered-transfers"' not in page
    assert f'href="{transfer.get_absolute_url()}"' in page


def test_the_release_form_offers_only_the_zones_unordered_transfers(inside, client_a):
    county, trade, holder, zone, product = inside
    transfer = _transfer(county, trade, zone, product, "5000", dt.datetime(2022, 11, 25, 10))
    with clock.travel(dt.datetime(2022, 11, 20, 9)):
        receive(trade, trade.warehouse_a, trade.fertilizer, "10", "2")
    elsewhere = _transfer(
        county, trade, trade.warehouse_a, trade.fertilizer, "1", dt.datetime(2022, 11, 25, 11)
    )
    page = client_a.get(f"/supply/reserve/holders/{holder.pk}/releases/new/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'value="{transfer.pk}"' in body
    assert f'value="{elsewhere.pk}"' not in body

"""Reversing a contract's collection (purchase from a farmer) or delivery (sale to the buyer): from the
plan's page, over the API, or on the general trade-document page; a reversed document no longer
counts in the plan's fulfilment and its stock goes back."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from gongxiao.commerce.models import Document, StockBalance
from gongxiao.core import roles
from gongxiao.core.testing import make_user
from gongxiao.market import contracts
from gongxiao.market.models import Allocation, ProductionPlan
from gongxiao.market.testing import stock_up, tea_order
from gongxiao.members.tests.factories import member

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def before(market) -> Decimal:
    """The tea coop A's warehouse holds before the season (the market set-up's stock)."""
    return on_hand(market)


@pytest.fixture
def season(county, market, before):
    """Plan A (100 kg expected) matched to an order of 150 kg; two collections (40 and 25 kg) and
    one delivery (30 kg) at coop A's warehouse."""
    farmer = member(county, county.coop_a, "李茶农", seq=1)
    plan = ProductionPlan.objects.create(
        organization=county.coop_a,
        village=county.village_a,
        product=market.tea,
        year=2023,
        season="spring",
        area_mu=D("20"),
        expected_kg=D("100"),
        latitude=D("28.0"),
        longitude=D("120.0"),
    )
    plan.members.add(farmer)
    tea_order(county, market)
    contracts.accept(county.clerk_a, contracts.match(county.clerk_a, 2023, "spring").pairings)
    first, second = contracts.collect(
        county.clerk_a,
        plan,
        market.warehouse_a,
        [(farmer, D("40"), D("10"), D("300")), (farmer, D("25"), D("10"), D("250"))],
    )
    sale = contracts.deliver(county.clerk_a, Allocation.objects.get(), market.warehouse_a, D("30"))
    return plan, first, second, sale


def on_hand(market) -> Decimal:
    return StockBalance.objects.get(location=market.warehouse_a, product=market.tea).quantity


def figures(plan) -> tuple[Decimal, Decimal]:
    (row,) = contracts.fulfilment([plan])
    return row.collected, row.delivered


def test_reversed_collection_no_longer_counts_and_its_stock_goes_back(county, market, before, season):
    # given: collected 40 + 25 = 65, delivered 30, on hand 65 - 30 = 35
    plan, _first, second, _sale = season
    assert figures(plan) == (D("65"), D("30"))
    assert on_hand(market) - before == D("35")
    # when
    reversal = contracts.reverse(county.clerk_a, plan.contract_documents.get(document=second), "称重录错")
    # then: collected 65 - 25 = 40, on hand 35 - 25 = 10, the reversal is a red purchase
    assert figures(plan) == (D("40"), D("30"))
    assert on_hand(market) - before == D("10")
    second.refresh_from_db()
    assert second.status == Document.Status.REVERSED
    assert reversal.reverses_id == second.pk and reversal.total_amount == D("-250.00")


def test_reversed_delivery_no_longer_counts_and_its_stock_comes_back(county, market, before, season):
    plan, _first, _second, sale = season
    contracts.reverse(county.clerk_a, plan.contract_documents.get(document=sale), "买方拒收")
    assert figures(plan) == (D("65"), D("0"))
    assert on_hand(market) - before == D("65")  # 35 + 30


def test_document_reversed_on_the_trade_page_no_longer_counts(client_a, market, season):
    plan, first, _second, _sale = season
    response = client_a.post(reverse("commerce:document_reverse", args=[first.pk]), {"reason": "重复录入"})
    assert response.status_code == 302
    assert figures(plan) == (D("25"), D("30"))  # 65 - 40
    page = client_a.get(reverse("market:contract_plan", args=[plan.pk]))
    assert page.context["figures"].collected == D("25")


def test_plan_page_lists_the_entries_and_reverses_one_with_a_reason(client_a, market, season):
    plan, _first, second, _sale = season
    url = reverse("market:contract_plan", args=[plan.pk])
    page = client_a.get(url).content.decode()
    assert page.count('data-testid="reverse-form"') == 3
    assert second.number in page
    # a reverse without a reason is refused and changes nothing
    refused = client_a.post(url, {"reverse": second.pk, "reason": "  "}, follow=True)
    with translation.override("zh-hans"):
        wanted = gettext("Say why the collection or delivery is reversed.")
    assert [str(m) for m in refused.context["messages"]] == [wanted]
    second.refresh_from_db()
    assert second.status == Document.Status.CONFIRMED
    # with a reason it is reversed; the page shows the reversal and the new figures
    done = client_a.post(url, {"reverse": second.pk, "reason": "称重录错"}, follow=True)
    assert done.status_code == 200
    second.refresh_from_db()
    reversal = Document.objects.get(reverses=second)
    assert second.status == Document.Status.REVERSED
    body = done.content.decode()
    assert reversal.number in body and "称重录错" in body
    assert done.context["figures"].collected == D("40")
    assert body.count('data-testid="reverse-form"') == 2  # no reverse button on the reversed one


def test_reversing_twice_is_refused_and_writes_nothing(client_a, county, market, before, season):
    plan, _first, second, _sale = season
    entry = plan.contract_documents.get(document=second)
    contracts.reverse(county.clerk_a, entry, "称重录错")
    count = Document.objects.count()
    with pytest.raises(contracts.ContractError, match=second.number):
        contracts.reverse(county.clerk_a, entry, "再冲一次")
    again = client_a.post(
        reverse("market:contract_plan", args=[plan.pk]),
        {"reverse": second.pk, "reason": "再冲一次"},
        follow=True,
    )
    assert second.number in str(next(iter(again.context["messages"])))
    assert Document.objects.count() == count
    assert on_hand(market) - before == D("10")


def test_only_who_may_reverse_and_manage_the_plan_can_reverse(
    client_b, leader_client, county, market, season
):
    plan, first, _second, _sale = season
    url = reverse("market:contract_plan", args=[plan.pk])
    bookkeeper = Client()
    bookkeeper.force_login(make_user("bookkeeper_a", county.coop_a, roles.BOOKKEEPER))
    # coop B's clerk does not see coop A's plan; the leader and A's bookkeeper see it but may not reverse
    assert client_b.post(url, {"reverse": first.pk, "reason": "x"}).status_code == 404
    assert leader_client.post(url, {"reverse": first.pk, "reason": "x"}).status_code == 403
    assert bookkeeper.post(url, {"reverse": first.pk, "reason": "x"}).status_code == 403
    assert 'data-testid="reverse-form"' not in leader_client.get(url).content.decode()
    with pytest.raises(contracts.ContractError):
        contracts.reverse(county.clerk_b, plan.contract_documents.get(document=first), "x")
    first.refresh_from_db()
    assert first.status == Document.Status.CONFIRMED
    assert figures(plan) == (D("65"), D("30"))


def test_a_document_of_another_plan_is_not_found_on_this_plan(client_a, county, market, season):
    plan, _first, _second, _sale = season
    other = ProductionPlan.objects.create(
        organization=county.coop_a,
        village=county.village_b,
        product=market.tea,
        year=2023,
        season="spring",
        area_mu=D("1"),
        expected_kg=D("1"),
        latitude=D("28.0"),
        longitude=D("120.0"),
    )
    foreign = Document.objects.filter(kind=Document.Kind.PURCHASE).first()
    url = reverse("market:contract_plan", args=[other.pk])
    assert client_a.post(url, {"reverse": foreign.pk, "reason": "x"}).status_code == 404
    assert client_a.post(url, {"reverse": "abc", "reason": "x"}).status_code == 404
    assert figures(plan) == (D("65"), D("30"))


# ---------------------------------------------------------------- API


def test_api_reverses_and_answers_the_new_fulfilment(client_a, market, before, season):
    plan, first, _second, sale = season
    url = f"/api/market/contracts/documents/{sale.pk}/reverse"
    answer = client_a.post(url, {"reason": "买方拒收"}, content_type="application/json")
    assert answer.status_code == 200
    body = answer.json()
    reversal = Document.objects.get(reverses=sale)
    assert (body["document_id"], body["reversal_id"], body["reversal_number"], body["plan_id"]) == (
        sale.pk,
        reversal.pk,
        reversal.number,
        plan.pk,
    )
    assert D(body["fulfilment"]["delivered_kg"]) == D("0") and D(body["fulfilment"]["collected_kg"]) == D(
        "65"
    )
    again = client_a.post(url, {"reason": "再冲一次"}, content_type="application/json")
    assert again.status_code == 422 and sale.number in again.json()["detail"]
    no_reason = client_a.post(
        f"/api/market/contracts/documents/{first.pk}/reverse", {"reason": ""}, content_type="application/json"
    )
    assert no_reason.status_code == 422
    assert on_hand(market) - before == D("65")
    fulfilment = client_a.get(f"/api/market/contracts/plans/{plan.pk}/fulfilment").json()
    assert D(fulfilment["collected_kg"]) == D("65") and D(fulfilment["delivered_kg"]) == D("0")


def test_api_refuses_other_organizations_and_users_without_the_right(client_b, leader_client, market, season):
    plan, first, _second, _sale = season
    url = f"/api/market/contracts/documents/{first.pk}/reverse"
    assert client_b.post(url, {"reason": "x"}, content_type="application/json").status_code == 404
    assert leader_client.post(url, {"reason": "x"}, content_type="application/json").status_code == 403
    first.refresh_from_db()
    assert first.status == Document.Status.CONFIRMED
    assert figures(plan) == (D("65"), D("30"))


def test_api_answers_404_for_a_document_that_is_not_a_contract_document(client_a, county, market, season):
    other = stock_up(market.warehouse_a, county.clerk_a, market.eggs)
    answer = client_a.post(
        f"/api/market/contracts/documents/{other.pk}/reverse",
        {"reason": "x"},
        content_type="application/json",
    )
    assert answer.status_code == 404
    other.refresh_from_db()
    assert other.status == Document.Status.CONFIRMED

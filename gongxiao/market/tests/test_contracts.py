from decimal import Decimal

import pytest
from django.urls import reverse

from gongxiao.commerce.models import Document
from gongxiao.market import contracts
from gongxiao.market.contracts import ContractError, Demand, Supply, solve
from gongxiao.market.models import Allocation, BuyerOrder, ContractDocument, ProductionPlan
from gongxiao.market.testing import tea_order
from gongxiao.members.tests.factories import member

pytestmark = pytest.mark.django_db

D = Decimal


def test_matching_beats_greedy_by_nearest():
    # on the equator: P1 at lon 0, P2 at lon 1; B1 at lon 0.4 (nearest P1), B2 at lon -0.5.
    # greedy gives B1<-P1 (44 km), B2<-P2 (167 km); the optimum crosses: B1<-P2 (67), B2<-P1 (56)
    supplies = [Supply(1, 7, D("100"), 0.0, 0.0), Supply(2, 7, D("100"), 0.0, 1.0)]
    demands = [Demand(10, 7, D("100"), 0.0, 0.4), Demand(20, 7, D("100"), 0.0, -0.5)]
    result = solve(supplies, demands)
    pairs = {(p.plan, p.order): p.kg for p in result.pairings}
    assert pairs == {(2, 10): D("100"), (1, 20): D("100")}
    assert result.unmet == {} and result.unsold == {}
    assert result.kg_km < D("100") * D("130")


def test_matching_respects_yield_and_reports_unmet_and_unsold():
    supplies = [Supply(1, 7, D("50"), 0.0, 0.0), Supply(2, 8, D("30"), 0.0, 0.0)]
    demands = [Demand(10, 7, D("80"), 0.0, 0.1)]
    result = solve(supplies, demands)
    assert [(p.plan, p.order, p.kg) for p in result.pairings] == [(1, 10, D("50"))]
    assert result.unmet == {10: D("30")}
    assert result.unsold == {2: D("30")}  # another product never matches


def test_matching_covers_most_before_shortest():
    # the near plan alone could serve B1, but then B2 (only reachable... same product) is short:
    supplies = [Supply(1, 7, D("60"), 0.0, 0.0), Supply(2, 7, D("40"), 0.0, 2.0)]
    demands = [Demand(10, 7, D("60"), 0.0, 0.0), Demand(20, 7, D("40"), 0.0, 0.01)]
    result = solve(supplies, demands)
    assert result.covered == D("100")
    assert result.unmet == {}


@pytest.fixture
def plans(county, market):
    farmer = member(county, county.coop_a, "李茶农", seq=1)
    plan_a = ProductionPlan.objects.create(
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
    plan_a.members.add(farmer)
    plan_b = ProductionPlan.objects.create(
        organization=county.coop_b,
        village=county.village_b,
        product=market.tea,
        year=2023,
        season="spring",
        area_mu=D("10"),
        expected_kg=D("70"),
        latitude=D("28.1"),
        longitude=D("120.1"),
    )
    order = tea_order(county, market)
    return plan_a, plan_b, order, farmer


def test_clerk_matches_only_own_plans_and_accepting_twice_never_exceeds_yield(county, plans):
    plan_a, _plan_b, order, _farmer = plans
    result = contracts.match(county.clerk_a, 2023, "spring")
    assert {p.plan for p in result.pairings} == {plan_a.pk}  # coop B's plan is not offered
    assert result.unmet == {order.pk: D("50")}
    contracts.accept(county.clerk_a, result.pairings)
    assert Allocation.objects.get().quantity_kg == D("100")
    again = contracts.match(county.clerk_a, 2023, "spring")
    assert again.pairings == []  # the plan's yield is all allocated
    with pytest.raises(ContractError):
        contracts.accept(county.clerk_a, result.pairings)
    assert Allocation.objects.get().quantity_kg == D("100")


def test_leader_matching_uses_both_plans(county, plans):
    _plan_a, plan_b, _order, _farmer = plans
    result = contracts.match(county.leader, 2023, "spring")
    assert result.covered == D("150")
    assert result.unsold == {plan_b.pk: D("20")}


def test_clerk_b_cannot_accept_or_collect_for_coop_a(county, market, plans):
    plan_a, _plan_b, order, farmer = plans
    pairing = contracts.Pairing(plan_a.pk, order.pk, D("10"), D("1.0"))
    with pytest.raises(ContractError):
        contracts.accept(county.clerk_b, [pairing])
    with pytest.raises(ContractError):
        contracts.collect(county.clerk_b, plan_a, market.warehouse_b, [(farmer, D("5"), D("10"), D("50"))])
    assert not Allocation.objects.exists()
    assert not ContractDocument.objects.exists()
    assert ProductionPlan.objects.visible_to(county.clerk_b).filter(pk=plan_a.pk).count() == 0


def test_collection_creates_purchase_documents_and_counts_in_fulfilment(county, market, plans):
    plan_a, _plan_b, _order, farmer = plans
    contracts.accept(county.clerk_a, contracts.match(county.clerk_a, 2023, "spring").pairings)
    docs = contracts.collect(
        county.clerk_a, plan_a, market.warehouse_a, [(farmer, D("40"), D("10"), D("300"))]
    )
    assert len(docs) == 1
    doc = Document.objects.get(pk=docs[0].pk)
    assert doc.kind == Document.Kind.PURCHASE
    assert doc.member_id == farmer.pk
    assert doc.total_amount == D("400.00")
    allocation = Allocation.objects.get()
    contracts.deliver(county.clerk_a, allocation, market.warehouse_a, D("30"))
    (row,) = contracts.fulfilment([plan_a])
    assert (row.expected, row.collected, row.allocated, row.delivered) == (
        D("100"),
        D("40"),
        D("100"),
        D("30"),
    )


def test_collection_from_a_non_member_writes_nothing(county, market, plans):
    plan_a, _plan_b, _order, _farmer = plans
    stranger = member(county, county.coop_a, "王路人", seq=2)
    with pytest.raises(ContractError, match="王路人"):  # the row names the farmer
        contracts.collect(
            county.clerk_a,
            plan_a,
            market.warehouse_a,
            [(_farmer, D("5"), D("10"), D("50")), (stranger, D("5"), D("10"), D("50"))],
        )
    assert not ContractDocument.objects.exists()
    assert not Document.objects.filter(kind=Document.Kind.PURCHASE, member__isnull=False).exists()


# ---------------------------------------------------------------- pages


def test_plan_pages_show_own_plans_and_export(client_a, plans):
    plan_a, plan_b, _order, _farmer = plans
    page = client_a.get(reverse("market:contract_plans"))
    assert page.status_code == 200
    assert reverse("market:contract_plan", args=[plan_a.pk]) in page.content.decode()
    assert reverse("market:contract_plan", args=[plan_b.pk]) not in page.content.decode()
    export = client_a.get(reverse("market:contract_plans"), {"export": "xlsx"})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client_a.get(reverse("market:contract_plan", args=[plan_a.pk])).status_code == 200
    assert client_a.get(reverse("market:contract_orders")).status_code == 200


def test_clerk_b_cannot_see_or_alter_coop_a_plans(client_b, market, plans):
    plan_a, _plan_b, order, farmer = plans
    assert client_b.get(reverse("market:contract_plan", args=[plan_a.pk])).status_code == 404
    assert client_b.get(reverse("market:contract_plan_edit", args=[plan_a.pk])).status_code == 404
    assert client_b.get(reverse("market:contract_order_edit", args=[order.pk])).status_code == 404
    refused = client_b.post(
        reverse("market:contract_plan", args=[plan_a.pk]),
        {"member": farmer.pk, "location": market.warehouse_b.pk, "weight": "5", "price": "10", "paid": "50"},
    )
    assert refused.status_code == 404
    edit = client_b.post(reverse("market:contract_plan_edit", args=[plan_a.pk]), {"expected_kg": "1"})
    assert edit.status_code == 404
    plan_a.refresh_from_db()
    assert plan_a.expected_kg == D("100")
    # the accept with coop A's pair is refused and writes nothing
    client_b.post(
        reverse("market:contract_matching"),
        {"action": "accept", "year": 2023, "season": "spring", "pair": f"{plan_a.pk}:{order.pk}:10:1.0"},
    )
    assert not ContractDocument.objects.exists()
    assert not Allocation.objects.exists()


def test_matching_page_runs_and_accepts(client_a, plans):
    plan_a, _plan_b, order, _farmer = plans
    run = client_a.post(
        reverse("market:contract_matching"), {"action": "run", "year": 2023, "season": "spring"}
    )
    assert run.status_code == 200
    body = run.content.decode()
    assert f'value="{plan_a.pk}:{order.pk}:100.000:' in body
    pair = body.split('name="pair" value="')[1].split('"')[0]
    accepted = client_a.post(
        reverse("market:contract_matching"),
        {"action": "accept", "year": 2023, "season": "spring", "pair": pair},
    )
    assert accepted.status_code == 302
    assert Allocation.objects.get().quantity_kg == D("100")


def test_collection_entry_on_plan_page(client_a, market, plans):
    plan_a, _plan_b, _order, farmer = plans
    response = client_a.post(
        reverse("market:contract_plan", args=[plan_a.pk]),
        {
            "member": farmer.pk,
            "location": market.warehouse_a.pk,
            "weight": "12.5",
            "price": "8",
            "paid": "100",
        },
    )
    assert response.status_code == 302
    document = ContractDocument.objects.get().document
    assert document.kind == Document.Kind.PURCHASE and document.total_amount == D("100.00")
    page = client_a.get(reverse("market:contract_plan", args=[plan_a.pk]))
    assert page.context["figures"].collected == D("12.5")


def test_demo_season_plans_matches_and_collects(county, market):
    import random

    from gongxiao.market.demo import contract_season

    farmers = [member(county, county.coop_a, f"农户{n}", seq=10 + n) for n in range(6)]
    result = contract_season(
        county.clerk_a,
        county.coop_a,
        market.warehouse_a,
        [county.village_a],
        {county.village_a.pk: farmers},
        random.Random(1),
        plans=1,
        buyers=3,
    )
    plans, buyers, matching, collected = result
    assert (plans, buyers) == (1, 3)
    assert BuyerOrder.objects.count() == 3
    assert Allocation.objects.count() == len(matching.pairings)
    assert collected > 0
    assert ContractDocument.objects.count() == collected  # a purchase document per farmer


# ---------------------------------------------------------------- API


def test_api_lists_only_own_plans_and_matches(client_a, client_b, plans):
    plan_a, _plan_b, order, _farmer = plans
    assert [p["id"] for p in client_a.get("/api/market/contracts/plans").json()] == [plan_a.pk]
    assert client_b.get(f"/api/market/contracts/plans/{plan_a.pk}/fulfilment").status_code == 404
    run = client_a.post(
        "/api/market/contracts/matching", {"year": 2023, "season": "spring"}, content_type="application/json"
    ).json()
    assert {key: Decimal(kg) for key, kg in run["unmet"].items()} == {str(order.pk): D("50")}
    accepted = client_a.post(
        "/api/market/contracts/matching/accept",
        {"allocations": run["allocations"]},
        content_type="application/json",
    )
    assert accepted.status_code == 201
    figures = client_a.get(f"/api/market/contracts/plans/{plan_a.pk}/fulfilment").json()
    assert Decimal(figures["allocated_kg"]) == D("100")


def test_api_refuses_clerk_b_accepting_coop_a_plan(client_b, plans):
    plan_a, _plan_b, order, _farmer = plans
    refused = client_b.post(
        "/api/market/contracts/matching/accept",
        {"allocations": [{"plan_id": plan_a.pk, "order_id": order.pk, "quantity_kg": "10", "km": "1"}]},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert not Allocation.objects.exists()


def test_delivery_entry_on_plan_page_books_a_sale(client_a, county, market, plans):
    plan_a, _plan_b, _order, farmer = plans
    contracts.accept(county.clerk_a, contracts.match(county.clerk_a, 2023, "spring").pairings)
    contracts.collect(county.clerk_a, plan_a, market.warehouse_a, [(farmer, D("40"), D("10"), D("400"))])
    allocation = Allocation.objects.get()
    response = client_a.post(
        reverse("market:contract_plan", args=[plan_a.pk]),
        {"allocation": allocation.pk, "location": market.warehouse_a.pk, "weight": "25"},
    )
    assert response.status_code == 302
    sale = ContractDocument.objects.get(order__isnull=False).document
    assert sale.kind == Document.Kind.SALE
    assert contracts.fulfilment([plan_a])[0].delivered == D("25")

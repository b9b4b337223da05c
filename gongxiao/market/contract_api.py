"""Contract farming over the API: village production plans with their fulfilment, buyers' orders,
and the matching (run, accept). The same checks as the pages: a plan or order outside the user's
subtree answers 404, a refused accept changes nothing and says why."""

# No `from __future__ import annotations`: ninja reads the annotations at run time.
import datetime as dt
from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from gongxiao.core.api import require_perm
from gongxiao.core.http import AuthedRequest
from gongxiao.market import contracts
from gongxiao.market.models import BuyerOrder, ContractDocument, ProductionPlan, Season

router = Router(tags=["contract farming"])


class PlanOut(Schema):
    id: int
    organization_id: int
    village_id: int
    product_id: int
    year: int
    season: str
    area_mu: Decimal
    expected_kg: Decimal
    latitude: Decimal
    longitude: Decimal
    member_ids: list[int]

    @staticmethod
    def resolve_member_ids(obj: ProductionPlan) -> list[int]:
        return [m.pk for m in obj.members.all()]


class FulfilmentOut(Schema):
    expected_kg: Decimal
    collected_kg: Decimal
    allocated_kg: Decimal
    delivered_kg: Decimal


class BuyerOrderOut(Schema):
    id: int
    organization_id: int
    code: str
    buyer_name: str
    buyer_kind: str
    contact: str
    town: str
    latitude: Decimal
    longitude: Decimal
    product_id: int
    year: int
    season: str
    quantity_kg: Decimal
    price: Decimal
    deliver_from: dt.date
    deliver_to: dt.date


class PairingIO(Schema):
    plan_id: int
    order_id: int
    quantity_kg: Decimal
    km: Decimal


class MatchingIn(Schema):
    year: int
    season: str


class MatchingOut(Schema):
    allocations: list[PairingIO]
    covered_kg: Decimal
    unmet: dict[int, Decimal]
    unsold: dict[int, Decimal]


class AcceptIn(Schema):
    allocations: list[PairingIO]


class ReverseIn(Schema):
    reason: str


class ReversalOut(Schema):
    document_id: int
    reversal_id: int
    reversal_number: str
    plan_id: int
    fulfilment: FulfilmentOut


@router.get("/market/contracts/plans", response=list[PlanOut])
def list_plans(request: AuthedRequest, year: int | None = None, season: str | None = None) -> Any:
    require_perm(request, "market.view_productionplan")
    plans = ProductionPlan.objects.visible_to(request.user).prefetch_related("members").order_by("pk")
    if year:
        plans = plans.filter(year=year)
    if season:
        plans = plans.filter(season=season)
    return plans


@router.get("/market/contracts/plans/{plan_id}/fulfilment", response=FulfilmentOut)
def plan_fulfilment(request: AuthedRequest, plan_id: int) -> Any:
    require_perm(request, "market.view_productionplan")
    plan = get_object_or_404(ProductionPlan.objects.visible_to(request.user), pk=plan_id)
    return _fulfilment(plan)


def _fulfilment(plan: ProductionPlan) -> dict[str, Decimal]:
    (row,) = contracts.fulfilment([plan])
    return {
        "expected_kg": row.expected,
        "collected_kg": row.collected,
        "allocated_kg": row.allocated,
        "delivered_kg": row.delivered,
    }


@router.get("/market/contracts/orders", response=list[BuyerOrderOut])
def list_buyer_orders(request: AuthedRequest, year: int | None = None) -> Any:
    require_perm(request, "market.view_buyerorder")
    orders = BuyerOrder.objects.visible_to(request.user).order_by("pk")
    return orders.filter(year=year) if year else orders


@router.post("/market/contracts/matching", response=MatchingOut)
def run_matching(request: AuthedRequest, payload: MatchingIn) -> Any:
    require_perm(request, "market.view_allocation")
    if payload.season not in Season.values:
        raise HttpError(422, "“season”: " + ", ".join(Season.values))
    result = contracts.match(request.user, payload.year, payload.season)
    return {
        "allocations": [
            {"plan_id": p.plan, "order_id": p.order, "quantity_kg": p.kg, "km": p.km} for p in result.pairings
        ],
        "covered_kg": result.covered,
        "unmet": result.unmet,
        "unsold": result.unsold,
    }


@router.post("/market/contracts/matching/accept", response={201: list[PairingIO]})
def accept_matching(request: AuthedRequest, payload: AcceptIn) -> Any:
    require_perm(request, "market.add_allocation")
    pairings = [contracts.Pairing(a.plan_id, a.order_id, a.quantity_kg, a.km) for a in payload.allocations]
    try:
        made = contracts.accept(request.user, pairings)
    except contracts.ContractError as error:
        raise HttpError(422, str(error)) from error
    return Status(
        201,
        [
            {"plan_id": a.plan_id, "order_id": a.order_id, "quantity_kg": a.quantity_kg, "km": a.km}
            for a in made
        ],
    )


@router.post("/market/contracts/documents/{document_id}/reverse", response=ReversalOut)
def reverse_contract_document(request: AuthedRequest, document_id: int, payload: ReverseIn) -> Any:
    """Reverse a plan's collection or delivery (`document_id`: the trade document's id); 404 outside
    the user's subtree, 403 without the right to reverse, 422 when already reversed or no reason."""
    require_perm(request, "commerce.reverse_document")
    entry = get_object_or_404(
        ContractDocument.objects.visible_to(request.user).select_related("plan__organization"),
        document_id=document_id,
    )
    if not request.user.can_manage(entry.plan.organization):
        raise HttpError(403, _("You may not reverse the collections and deliveries of this plan."))
    try:
        reversal = contracts.reverse(request.user, entry, payload.reason)
    except contracts.ContractError as error:
        raise HttpError(422, str(error)) from error
    return {
        "document_id": entry.document_id,
        "reversal_id": reversal.pk,
        "reversal_number": reversal.number,
        "plan_id": entry.plan_id,
        "fulfilment": _fulfilment(entry.plan),
    }

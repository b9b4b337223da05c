"""Contract farming (订单农业): match buyers' orders to village production plans, accept the
allocation, collect from the plans' farmers and deliver to the buyers.

The matching is a linear program solved by HiGHS (scipy.optimize.linprog) in two stages: first the
largest quantity that can be covered, then, keeping that quantity, the least kg × km of collection
distance. A plan supplies at most its expected yield minus what is already allocated; an order takes
at most its quantity minus what is already allocated; only the same product matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from gongxiao.caravan.distance import haversine_km
from gongxiao.commerce.actions import (
    DocumentSpec,
    LineSpec,
    PaymentSpec,
    create_and_confirm,
    reverse_document,
)
from gongxiao.commerce.errors import TradeError
from gongxiao.commerce.models import Document, Location, Payment
from gongxiao.core.models import User
from gongxiao.market.models import Allocation, BuyerOrder, ContractDocument, ProductionPlan

ZERO = Decimal("0")
KG = Decimal("0.001")
KM = Decimal("0.1")

# The collections and deliveries that count: confirmed, not reversed (on the plan's page or on the
# trade-document page) and not a draft.
COUNTED = Q(document__status=Document.Status.CONFIRMED)


class ContractError(ValueError):
    pass


@dataclass(frozen=True)
class Supply:
    key: int
    product: int
    kg: Decimal
    lat: float
    lon: float


@dataclass(frozen=True)
class Demand:
    key: int
    product: int
    kg: Decimal
    lat: float
    lon: float


@dataclass(frozen=True)
class Pairing:
    plan: int
    order: int
    kg: Decimal
    km: Decimal


@dataclass
class Matching:
    pairings: list[Pairing] = field(default_factory=list)
    unmet: dict[int, Decimal] = field(default_factory=dict)  # order key -> kg not covered
    unsold: dict[int, Decimal] = field(default_factory=dict)  # plan key -> kg not sold

    @property
    def covered(self) -> Decimal:
        return sum((p.kg for p in self.pairings), ZERO)

    @property
    def kg_km(self) -> Decimal:
        return sum((p.kg * p.km for p in self.pairings), ZERO)


def solve(supplies: Sequence[Supply], demands: Sequence[Demand]) -> Matching:
    """The optimal allocation of `demands` to `supplies` (pure: no database)."""
    pairs: list[tuple[int, int, float]] = []
    for j, d in enumerate(demands):
        if d.kg <= 0:
            continue
        for i, s in enumerate(supplies):
            if s.product == d.product and s.kg > 0:
                pairs.append((i, j, haversine_km(s.lat, s.lon, d.lat, d.lon)))
    result = Matching()
    x = np.zeros(len(pairs))
    if pairs:
        n = len(pairs)
        rows_i = np.array([p[0] for p in pairs])
        rows_j = np.array([p[1] for p in pairs]) + len(supplies)
        cols = np.arange(n)
        a_ub = coo_matrix(
            (np.ones(2 * n), (np.concatenate([rows_i, rows_j]), np.concatenate([cols, cols]))),
            shape=(len(supplies) + len(demands), n),
        ).tocsr()
        b_ub = np.array([float(s.kg) for s in supplies] + [float(d.kg) for d in demands])
        first = linprog(-np.ones(n), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        if first.status != 0:
            raise ContractError(
                _("The matching could not be solved: %(message)s") % {"message": first.message}
            )
        best = -first.fun
        km = np.array([p[2] for p in pairs])
        # keep the covered quantity, then the least kg × km
        a2 = coo_matrix(
            (
                np.concatenate([np.ones(2 * n), -np.ones(n)]),
                (
                    np.concatenate([rows_i, rows_j, np.full(n, len(supplies) + len(demands))]),
                    np.concatenate([cols, cols, cols]),
                ),
            ),
            shape=(len(supplies) + len(demands) + 1, n),
        ).tocsr()
        b2 = np.append(b_ub, -best * (1 - 1e-9))
        second = linprog(km, A_ub=a2, b_ub=b2, bounds=(0, None), method="highs")
        x = second.x if second.status == 0 else first.x
    given = [ZERO] * len(supplies)
    taken = [ZERO] * len(demands)
    for (i, j, km_ij), value in zip(pairs, x, strict=True):
        kg = Decimal(str(value)).quantize(KG, rounding=ROUND_HALF_UP)
        # never over a plan's yield or an order's quantity, whatever the float rounding
        kg = min(kg, supplies[i].kg - given[i], demands[j].kg - taken[j])
        if kg <= 0:
            continue
        given[i] += kg
        taken[j] += kg
        result.pairings.append(Pairing(supplies[i].key, demands[j].key, kg, Decimal(str(km_ij)).quantize(KM)))
    result.unmet = {d.key: d.kg - taken[j] for j, d in enumerate(demands) if d.kg - taken[j] > 0}
    result.unsold = {s.key: s.kg - given[i] for i, s in enumerate(supplies) if s.kg - given[i] > 0}
    return result


def _allocated(field_name: str, keys: Iterable[int]) -> dict[int, Decimal]:
    rows = (
        Allocation.objects.filter(**{f"{field_name}__in": list(keys)})
        .values(field_name)
        .annotate(kg=Sum("quantity_kg"))
    )
    return {row[field_name]: row["kg"] for row in rows}


def match(user: User, year: int, season: str) -> Matching:
    """Match the season's orders to its plans that `user` sees, net of accepted allocations."""
    plans = list(ProductionPlan.objects.visible_to(user).filter(year=year, season=season))
    orders = list(BuyerOrder.objects.visible_to(user).filter(year=year, season=season))
    plan_done = _allocated("plan", [p.pk for p in plans])
    order_done = _allocated("order", [o.pk for o in orders])
    supplies = [
        Supply(
            p.pk,
            p.product_id,
            p.expected_kg - plan_done.get(p.pk, ZERO),
            float(p.latitude),
            float(p.longitude),
        )
        for p in plans
    ]
    demands = [
        Demand(
            o.pk,
            o.product_id,
            o.quantity_kg - order_done.get(o.pk, ZERO),
            float(o.latitude),
            float(o.longitude),
        )
        for o in orders
    ]
    return solve(supplies, demands)


def accept(user: User, pairings: Sequence[Pairing]) -> list[Allocation]:
    """Store the pairings as allocations, each checked again against what is left (all or none)."""
    with transaction.atomic():
        plans = {
            p.pk: p
            for p in ProductionPlan.objects.visible_to(user)
            .select_for_update()
            .filter(pk__in={x.plan for x in pairings})
        }
        orders = {
            o.pk: o
            for o in BuyerOrder.objects.visible_to(user)
            .select_for_update()
            .filter(pk__in={x.order for x in pairings})
        }
        plan_done = _allocated("plan", plans)
        order_done = _allocated("order", orders)
        made = []
        for number, pairing in enumerate(pairings, start=1):
            plan, order = plans.get(pairing.plan), orders.get(pairing.order)
            if plan is None or order is None or not user.can_manage(plan.organization):
                raise ContractError(_("Row %(row)s: plan or order not found.") % {"row": number})
            if plan.product_id != order.product_id:
                raise ContractError(
                    _("Row %(row)s: the plan and the order are of different products.") % {"row": number}
                )
            plan_done[plan.pk] = plan_done.get(plan.pk, ZERO) + pairing.kg
            order_done[order.pk] = order_done.get(order.pk, ZERO) + pairing.kg
            if plan_done[plan.pk] > plan.expected_kg:
                raise ContractError(_("Row %(row)s: more than the plan's expected yield.") % {"row": number})
            if order_done[order.pk] > order.quantity_kg:
                raise ContractError(_("Row %(row)s: more than the order's quantity.") % {"row": number})
            existing = Allocation.objects.filter(plan=plan, order=order).first()
            if existing is not None:  # a second run of the matching adds to the pair's allocation
                existing.quantity_kg += pairing.kg
                existing.save(update_fields=["quantity_kg"])
                made.append(existing)
            else:
                made.append(
                    Allocation.objects.create(
                        plan=plan, order=order, quantity_kg=pairing.kg, km=pairing.km, accepted_by=user
                    )
                )
        return made


def collect(
    user: User,
    plan: ProductionPlan,
    location: Location,
    rows: Sequence[tuple[object, Decimal, Decimal, Decimal]],
) -> list[Document]:
    """Purchases from the plan's farmers: rows of (member, weight kg, price per kg, amount paid)."""
    if not user.can_manage(plan.organization):
        raise ContractError(_("You may not collect for this plan."))
    members = {m.pk for m in plan.members.all()}
    documents = []
    with transaction.atomic():
        for number, (member, weight, price, paid) in enumerate(rows, start=1):
            if getattr(member, "pk", None) not in members:
                raise ContractError(
                    _("Row %(row)s: %(member)s does not take part in this plan.")
                    % {"row": number, "member": member}
                )
            if weight <= 0 or price < 0:
                raise ContractError(_("Row %(row)s: weight and price must be positive.") % {"row": number})
            amount = (weight * price).quantize(Decimal("0.01"))
            if paid < 0 or paid > amount:
                raise ContractError(
                    _("Row %(row)s: the amount paid must lie between 0 and %(amount)s.")
                    % {"row": number, "amount": amount}
                )
            payments = [PaymentSpec(Payment.Method.CASH, paid)] if paid > 0 else []
            if amount - paid > 0:
                payments.append(PaymentSpec(Payment.Method.CREDIT, amount - paid))
            document = create_and_confirm(
                user,
                DocumentSpec(
                    kind=Document.Kind.PURCHASE,
                    organization=plan.organization,
                    location=location,
                    member=member,
                    partner_name=getattr(member, "name", ""),
                    note=str(plan),
                    lines=[LineSpec(plan.product, weight, unit_price=price)],
                    payments=payments,
                ),
            )
            ContractDocument.objects.create(plan=plan, document=document, quantity_kg=weight)
            documents.append(document)
    return documents


def deliver(user: User, allocation: Allocation, location: Location, weight: Decimal) -> Document:
    """A sale to the allocation's buyer at the order's price, on credit."""
    plan, order = allocation.plan, allocation.order
    if not user.can_manage(plan.organization):
        raise ContractError(_("You may not deliver for this plan."))
    if weight <= 0:
        raise ContractError(_("The weight must be positive."))
    with transaction.atomic():
        amount = (weight * order.price).quantize(Decimal("0.01"))
        document = create_and_confirm(
            user,
            DocumentSpec(
                kind=Document.Kind.SALE,
                organization=plan.organization,
                location=location,
                partner_name=order.buyer_name,
                note=str(plan),
                lines=[LineSpec(plan.product, weight, unit_price=order.price)],
                payments=[PaymentSpec(Payment.Method.CREDIT, amount)],
            ),
        )
        ContractDocument.objects.create(plan=plan, order=order, document=document, quantity_kg=weight)
    return document


def reverse(user: User, entry: ContractDocument, reason: str) -> Document:
    """Undo a collection or a delivery entered by mistake: its document is reversed by a new one
    (stock back, amounts negative) and no longer counts in the plan's fulfilment."""
    plan = entry.plan
    if not user.has_perm("commerce.reverse_document") or not user.can_manage(plan.organization):
        raise ContractError(_("You may not reverse the collections and deliveries of this plan."))
    if not reason.strip():
        raise ContractError(_("Say why the collection or delivery is reversed."))
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=entry.document_id)
        if document.status == Document.Status.REVERSED:
            reversal = Document.objects.filter(reverses=document).first()
            raise ContractError(
                _("Document %(number)s is already reversed by %(reversal)s.")
                % {"number": document.number, "reversal": reversal.number if reversal else "—"}
            )
        try:
            return reverse_document(document, user, reason)
        except TradeError as error:
            raise ContractError("；".join(error.messages)) from error


@dataclass(frozen=True)
class Fulfilment:
    plan: ProductionPlan
    expected: Decimal
    collected: Decimal
    allocated: Decimal
    delivered: Decimal


def fulfilment(plans: Iterable[ProductionPlan]) -> list[Fulfilment]:
    plans = list(plans)
    keys = [p.pk for p in plans]
    allocated = _allocated("plan", keys)
    collected: dict[int, Decimal] = {}
    delivered: dict[int, Decimal] = {}
    rows = (
        ContractDocument.objects.filter(COUNTED, plan__in=keys)
        .values("plan", "document__kind")
        .annotate(kg=Sum("quantity_kg"))
    )
    for row in rows:
        target = collected if row["document__kind"] == Document.Kind.PURCHASE else delivered
        target[row["plan"]] = target.get(row["plan"], ZERO) + row["kg"]
    return [
        Fulfilment(
            p, p.expected_kg, collected.get(p.pk, ZERO), allocated.get(p.pk, ZERO), delivered.get(p.pk, ZERO)
        )
        for p in plans
    ]

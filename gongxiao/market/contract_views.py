"""Pages of contract farming (订单农业): village production plans, buyers' orders, the matching
(run → allocations, unmet demand, unsold supply → accept), collection on a plan and its fulfilment."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongxiao.commerce.errors import TradeError
from gongxiao.commerce.models import Business, Location, Product
from gongxiao.core import clock
from gongxiao.core.editing import edit_object
from gongxiao.core.forms import ScopedModelForm
from gongxiao.core.http import AuthedRequest
from gongxiao.core.listing import ListPage, choice_column, field_column
from gongxiao.core.models import Region
from gongxiao.core.scope import get_visible_or_404
from gongxiao.market import contracts
from gongxiao.market.models import Allocation, BuyerOrder, ProductionPlan, Season
from gongxiao.members.models import Member

PLANS = (gettext_lazy("Village production plans"), "market:contract_plans")
BUYER_ORDERS = (gettext_lazy("Buyer orders"), "market:contract_orders")


def _choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


def _produce(user: Any) -> QuerySet:
    return Product.objects.visible_to(user).filter(business=Business.FARM_PRODUCE).order_by("code")


class PlanForm(ScopedModelForm):
    class Meta:
        model = ProductionPlan
        fields = [
            "organization",
            "village",
            "product",
            "year",
            "season",
            "area_mu",
            "expected_kg",
            "latitude",
            "longitude",
            "members",
            "note",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "village").queryset = Region.objects.filter(level=Region.Level.VILLAGE).order_by(
            "code"
        )
        _choices(self, "product").queryset = _produce(self.user)
        _choices(self, "members").queryset = (
            Member.objects.visible_to(self.user).filter(is_active=True).order_by("name")
        )


class BuyerOrderForm(ScopedModelForm):
    class Meta:
        model = BuyerOrder
        fields = [
            "organization",
            "code",
            "buyer_name",
            "buyer_kind",
            "contact",
            "town",
            "latitude",
            "longitude",
            "product",
            "year",
            "season",
            "quantity_kg",
            "price",
            "deliver_from",
            "deliver_to",
        ]
        widgets = {
            "deliver_from": forms.DateInput(attrs={"type": "date"}),
            "deliver_to": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "product").queryset = _produce(self.user)


class PlanList(ListPage):
    title = gettext_lazy("Village production plans")
    permission = "market.view_productionplan"
    create_permission = "market.add_productionplan"
    create_url = "market:contract_plan_create"
    import_name = "production_plans"
    default_sort = "-year"
    search_placeholder = gettext_lazy("Village or product")
    empty_text = gettext_lazy("No production plans yet.")
    columns = [
        field_column("year", gettext_lazy("year"), kind="text"),
        choice_column("season", gettext_lazy("season")),
        field_column("village__name", gettext_lazy("village"), link=True, sort="village__code"),
        field_column("product__name", gettext_lazy("product"), sort="product__code"),
        field_column("area_mu", gettext_lazy("area (mu)"), kind="money"),
        field_column("expected_kg", gettext_lazy("expected yield (kg)"), kind="money"),
        field_column("organization__name", gettext_lazy("Organization"), sort="organization__path", width=20),
    ]

    def queryset(self) -> QuerySet:
        return ProductionPlan.objects.visible_to(self.request.user).select_related(
            "village", "product", "organization"
        )

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(Q(village__name__icontains=text) | Q(product__name__icontains=text))

    def detail_url(self, obj: Any) -> str:
        return reverse("market:contract_plan", args=[obj.pk])


class BuyerOrderList(ListPage):
    title = gettext_lazy("Buyer orders")
    permission = "market.view_buyerorder"
    create_permission = "market.add_buyerorder"
    create_url = "market:contract_order_create"
    import_name = "buyer_orders"
    default_sort = "-year"
    search_placeholder = gettext_lazy("Buyer or product")
    empty_text = gettext_lazy("No buyer orders yet.")
    columns = [
        field_column("code", gettext_lazy("buyer's order number"), sort="code"),
        field_column("buyer_name", gettext_lazy("buyer"), link=True, sort="buyer_name"),
        choice_column("buyer_kind", gettext_lazy("buyer kind")),
        field_column("product__name", gettext_lazy("product"), sort="product__code"),
        field_column("year", gettext_lazy("year"), kind="text"),
        choice_column("season", gettext_lazy("season")),
        field_column("quantity_kg", gettext_lazy("quantity (kg)"), kind="money"),
        field_column("price", gettext_lazy("price per kg"), kind="money"),
        field_column("deliver_from", gettext_lazy("deliver from"), kind="date"),
        field_column("deliver_to", gettext_lazy("deliver to"), kind="date"),
        field_column("organization__name", gettext_lazy("Organization"), sort="organization__path", width=20),
    ]

    def queryset(self) -> QuerySet:
        return BuyerOrder.objects.visible_to(self.request.user).select_related("product", "organization")

    def search(self, queryset: QuerySet, text: str) -> QuerySet:
        return queryset.filter(
            Q(buyer_name__icontains=text) | Q(product__name__icontains=text) | Q(code__icontains=text)
        )

    def detail_url(self, obj: Any) -> str:
        return reverse("market:contract_order_edit", args=[obj.pk])


@login_required
def plan_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    plan = get_visible_or_404(ProductionPlan.objects, request.user, pk=pk) if pk else None
    return edit_object(
        request,
        PlanForm,
        instance=plan,
        permission="market.change_productionplan" if plan else "market.add_productionplan",
        title=_("Edit production plan") if plan else _("New production plan"),
        breadcrumbs=[PLANS],
        success=lambda obj: reverse("market:contract_plan", args=[obj.pk]),
    )


@login_required
def order_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    order = get_visible_or_404(BuyerOrder.objects, request.user, pk=pk) if pk else None
    return edit_object(
        request,
        BuyerOrderForm,
        instance=order,
        permission="market.change_buyerorder" if order else "market.add_buyerorder",
        title=_("Edit buyer order") if order else _("New buyer order"),
        breadcrumbs=[BUYER_ORDERS],
        success=lambda obj: reverse("market:contract_orders"),
    )


def _season(request: AuthedRequest) -> tuple[int, str]:
    data = request.POST or request.GET
    try:
        year = int(data.get("year", ""))
    except ValueError:
        year = clock.today().year
    season = data.get("season", "")
    return year, season if season in Season.values else Season.SPRING


@login_required
def matching(request: AuthedRequest) -> HttpResponse:
    """GET: the season to match; POST run: the proposed allocation; POST accept: store it."""
    if not request.user.has_perm("market.view_allocation"):
        raise PermissionDenied
    year, season = _season(request)
    result = None
    if request.method == "POST":
        if not request.user.has_perm("market.add_allocation"):
            raise PermissionDenied
        if request.POST.get("action") == "accept":
            try:
                pairings = [_pairing(text) for text in request.POST.getlist("pair")]
                made = contracts.accept(request.user, pairings)
            except (contracts.ContractError, ValueError, InvalidOperation) as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("%(count)s allocations accepted.") % {"count": len(made)})
                return redirect(f"{reverse('market:contract_matching')}?year={year}&season={season}")
        result = contracts.match(request.user, year, season)
    plans = (
        ProductionPlan.objects.in_bulk([p.plan for p in result.pairings] + list(result.unsold))
        if result
        else {}
    )
    orders = (
        BuyerOrder.objects.in_bulk([p.order for p in result.pairings] + list(result.unmet)) if result else {}
    )
    accepted = (
        Allocation.objects.visible_to(request.user)
        .filter(plan__year=year, plan__season=season)
        .select_related("plan__village", "plan__product", "order")
    )
    return render(
        request,
        "market/contracts/matching.html",
        {
            "year": year,
            "season": season,
            "seasons": Season.choices,
            "result": result,
            "rows": [(plans[p.plan], orders[p.order], p) for p in result.pairings] if result else [],
            "unmet": [(orders[k], kg) for k, kg in result.unmet.items()] if result else [],
            "unsold": [(plans[k], kg) for k, kg in result.unsold.items()] if result else [],
            "accepted": accepted,
            "breadcrumbs": [PLANS],
        },
    )


def _pairing(text: str) -> contracts.Pairing:
    plan, order, kg, km = text.split(":")
    return contracts.Pairing(int(plan), int(order), Decimal(kg), Decimal(km))


class CollectForm(forms.Form):
    member: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=Member.objects.none(), label=gettext_lazy("farmer")
    )
    location = forms.ModelChoiceField(queryset=Location.objects.none(), label=gettext_lazy("stock location"))
    weight = forms.DecimalField(
        label=gettext_lazy("weight (kg)"), min_value=Decimal("0.001"), decimal_places=3
    )
    price = forms.DecimalField(label=gettext_lazy("price per kg"), min_value=Decimal("0"), decimal_places=2)
    paid = forms.DecimalField(label=gettext_lazy("amount paid"), min_value=Decimal("0"), decimal_places=2)

    def __init__(self, *args: Any, plan: ProductionPlan, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "member").queryset = plan.members.order_by("name")
        _choices(self, "location").queryset = Location.objects.visible_to(user).filter(
            organization__path__startswith=plan.organization.path
        )


class DeliverForm(forms.Form):
    allocation: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=Allocation.objects.none(), label=gettext_lazy("buyer order")
    )
    location = forms.ModelChoiceField(queryset=Location.objects.none(), label=gettext_lazy("stock location"))
    weight = forms.DecimalField(
        label=gettext_lazy("weight (kg)"), min_value=Decimal("0.001"), decimal_places=3
    )

    def __init__(self, *args: Any, plan: ProductionPlan, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "allocation").queryset = plan.allocations.select_related("order")
        _choices(self, "location").queryset = Location.objects.visible_to(user).filter(
            organization__path__startswith=plan.organization.path
        )


@login_required
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The plan, its allocations and fulfilment, and the collection entry (a purchase from a farmer)."""
    if not request.user.has_perm("market.view_productionplan"):
        raise PermissionDenied
    plan = get_visible_or_404(
        ProductionPlan.objects.select_related("village", "product", "organization"), request.user, pk=pk
    )
    can_collect = request.user.has_perm("commerce.add_document") and request.user.can_manage(
        plan.organization
    )
    can_reverse = request.user.has_perm("commerce.reverse_document") and request.user.can_manage(
        plan.organization
    )
    if request.method == "POST" and "reverse" in request.POST:
        if not can_reverse:
            raise PermissionDenied
        return _reverse_entry(request, plan)
    delivering = "allocation" in request.POST
    form = CollectForm(None if delivering else request.POST or None, plan=plan, user=request.user)
    deliver_form = DeliverForm(request.POST if delivering else None, plan=plan, user=request.user)
    if request.method == "POST" and not can_collect:
        raise PermissionDenied
    if delivering and deliver_form.is_valid():
        data = deliver_form.cleaned_data
        try:
            contracts.deliver(request.user, data["allocation"], data["location"], data["weight"])
        except (contracts.ContractError, TradeError) as error:
            deliver_form.add_error(None, "；".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, _("Delivery recorded."))
            return redirect("market:contract_plan", pk=plan.pk)
    if request.method == "POST" and not delivering:
        if form.is_valid():
            data = form.cleaned_data
            try:
                contracts.collect(
                    request.user,
                    plan,
                    data["location"],
                    [(data["member"], data["weight"], data["price"], data["paid"])],
                )
            except (contracts.ContractError, TradeError) as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Collection recorded."))
                return redirect("market:contract_plan", pk=plan.pk)
    (figures,) = contracts.fulfilment([plan])
    return render(
        request,
        "market/contracts/plan_detail.html",
        {
            "plan": plan,
            "figures": figures,
            "allocations": plan.allocations.select_related("order"),
            "members": plan.members.order_by("name"),
            "form": form if can_collect else None,
            "deliver_form": deliver_form if can_collect else None,
            "entries": plan.contract_documents.select_related(
                "document__reversed_by", "document__location", "order"
            ).order_by("-document__date", "-pk"),
            "can_reverse": can_reverse,
            "can_edit": request.user.can_manage(plan.organization),
            "breadcrumbs": [PLANS],
        },
    )


def _reverse_entry(request: AuthedRequest, plan: ProductionPlan) -> HttpResponse:
    """POST reverse=<document id>, reason: reverse one of the plan's collections or deliveries."""
    try:
        document_id = int(request.POST["reverse"])
    except ValueError:
        raise Http404 from None
    entry = get_object_or_404(
        plan.contract_documents.select_related("plan__organization"), document_id=document_id
    )
    try:
        reversal = contracts.reverse(request.user, entry, request.POST.get("reason", ""))
    except contracts.ContractError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Reversed by %(number)s.") % {"number": reversal.number})
    return redirect("market:contract_plan", pk=plan.pk)

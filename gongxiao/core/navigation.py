"""The left navigation: the seed's sections, then base data and system; each entry needs a permission.

Business apps add their entries to SECTIONS when they arrive; a section with no entry the user
may use is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass
class Entry:
    label: Any
    url_name: str
    permission: str
    icon: str = "dot"

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass
class Section:
    key: str
    label: Any
    icon: str
    entries: list[Entry] = field(default_factory=list)


SECTIONS: list[Section] = [
    Section(
        "supply",
        _("Agri-input supply"),
        "basket",
        [
            Entry(_("Sales counter"), "supply:counter_choose", "commerce.confirm_document", "cart"),
            Entry(_("Chain stores"), "supply:chain_stores", "network.view_outlet", "shop-window"),
            Entry(
                _("Five-unification assessments"),
                "supply:assessments",
                "supply.view_unificationassessment",
                "clipboard-check",
            ),
            Entry(
                _("Pesticide business licences"),
                "supply:licences",
                "supply.view_pesticidelicence",
                "patch-check",
            ),
            Entry(_("Campaigns"), "supply:campaigns", "supply.view_campaign", "truck"),
            Entry(_("Fertilizer reserve"), "supply:reserve_plans", "supply.view_reserveplan", "safe"),
            Entry(
                _("Pesticide purchase ledger"),
                "supply:pesticide_purchases",
                "supply.view_pesticidesalerecord",
                "journal-arrow-down",
            ),
            Entry(
                _("Pesticide sales ledger"),
                "supply:pesticide_sales",
                "supply.view_pesticidesalerecord",
                "journal-arrow-up",
            ),
            Entry(_("Trade documents"), "commerce:documents", "commerce.view_document", "receipt"),
            Entry(_("Stock on hand"), "commerce:stock", "commerce.view_stockbalance", "box-seam"),
            Entry(_("Stock moves"), "commerce:moves", "commerce.view_stockmove", "arrow-left-right"),
            Entry(_("Stock locations"), "commerce:locations", "commerce.view_location", "house-door"),
        ],
    ),
    Section(
        "market",
        _("Marketing and services"),
        "shop",
        [
            Entry(_("Sales channels"), "market:channels", "market.view_channel", "cart4"),
            Entry(_("Sales events"), "market:events", "market.view_channel", "calendar-event"),
            Entry(_("Channel orders"), "market:orders", "market.view_channelorder", "receipt-cutoff"),
            Entry(_("Sales statistics"), "market:statistics", "market.view_channelorder", "bar-chart"),
            Entry(_("Regional brands"), "market:brands", "market.view_brand", "award"),
            Entry(
                _("Village production plans"),
                "market:contract_plans",
                "market.view_productionplan",
                "flower1",
            ),
            Entry(_("Buyer orders"), "market:contract_orders", "market.view_buyerorder", "basket"),
            Entry(_("Matching"), "market:contract_matching", "market.view_allocation", "diagram-3"),
            Entry(_("Service network"), "network:overview", "network.view_outlet", "diagram-2"),
            Entry(_("Outlets"), "network:outlets", "network.view_outlet", "geo"),
            Entry(_("Outlet map"), "network:map", "network.view_outlet", "pin-map"),
            Entry(_("Caravan trucks"), "caravan:stats", "caravan.view_trip", "truck-front"),
            Entry(_("Crew's phone"), "caravan:phone", "caravan.record_trip", "phone"),
            Entry(_("Trips"), "caravan:trips", "caravan.view_trip", "signpost-split"),
            Entry(_("Routes"), "caravan:routes", "caravan.view_route", "sign-turn-right"),
            Entry(_("Vehicles"), "caravan:vehicles", "caravan.view_vehicle", "truck"),
            Entry(_("Pre-orders"), "caravan:preorders", "caravan.view_preorder", "telephone-inbound"),
            Entry(_("Produce bought"), "caravan:purchases", "caravan.view_producepurchase", "basket2"),
            Entry(_("Route plans"), "caravan:plans", "caravan.view_planningrun", "bezier2"),
            Entry(_("Village stopping places"), "caravan:village_points", "caravan.view_villagepoint", "pin"),
        ],
    ),
    Section("credit", _("Credit cooperation"), "bank"),
    Section("assets", _("Assets and finance"), "building"),
    Section("governance", _("Strict governance"), "shield-check"),
    Section("services", _("Farm services"), "flower1"),
    Section("monitor", _("All-round monitoring"), "speedometer2"),
    Section(
        "base",
        _("Base data"),
        "database",
        [
            Entry(_("Organizations"), "core:organizations", "core.view_organization", "diagram-3"),
            Entry(_("Regions"), "core:regions", "core.view_region", "geo-alt"),
            Entry(_("Members"), "members:list", "members.view_member", "people"),
            Entry(_("Products"), "commerce:products", "commerce.view_product", "tags"),
            Entry(_("Unions"), "members:unions", "members.view_union", "collection"),
            Entry(_("Imports"), "core:imports", "core.view_importjob", "upload"),
        ],
    ),
    Section(
        "system",
        _("System"),
        "gear",
        [
            Entry(_("Users"), "core:users", "core.view_user", "person-badge"),
            Entry(_("Audit trail"), "core:audit", "core.view_historicalorganization", "clock-history"),
            Entry(_("API tokens"), "core:tokens", "", "key"),
        ],
    ),
]


def section(key: str) -> Section:
    return next(s for s in SECTIONS if s.key == key)


def visible_sections(user: Any) -> list[tuple[Section, list[Entry]]]:
    if not user.is_authenticated:
        return []
    result = []
    for sec in SECTIONS:
        entries = [e for e in sec.entries if not e.permission or user.has_perm(e.permission)]
        if entries:
            result.append((sec, entries))
    return result

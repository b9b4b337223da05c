"""The roles of Gongxiao as Django groups, and the permissions each holds.

A role names permissions as ``app_label.codename``; ``app_label.view_*`` means every view
permission of that app and ``app_label.*`` every permission of it. Later business apps add
their permissions to the roles here, so that one table says who may do what.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

SYSADMIN = "系统管理员"
COUNTY_LEADER = "县社领导"
DEPARTMENT_STAFF = "业务科室"
BOOKKEEPER = "基层社报账员"
STORE_CLERK = "门店店员"
TRUCK_CREW = "大篷车司乘"
FUND_MANAGER = "互助会管理员"

ROLE_LABELS = {
    SYSADMIN: _("System administrator"),
    COUNTY_LEADER: _("County leader"),
    DEPARTMENT_STAFF: _("Department staff"),
    BOOKKEEPER: _("Base-coop bookkeeper"),
    STORE_CLERK: _("Store clerk"),
    TRUCK_CREW: _("Truck crew"),
    FUND_MANAGER: _("Mutual-fund manager"),
}

SELLING = [
    "network.view_outlet",
    "supply.view_pesticidelicence",
    "supply.add_pesticidesalerecord",
    "supply.view_pesticidesalerecord",
    "commerce.view_product",
    "commerce.view_location",
    "commerce.view_stockbalance",
    "commerce.view_document",
    "commerce.add_document",
    "commerce.confirm_document",
    # not commerce.correct_document: corrections of an earlier day are for the roles that also
    # reverse documents (commerce.*: system administrator, department staff)
]

ROLES: dict[str, list[str]] = {
    SYSADMIN: [
        "core.*",
        "members.*",
        "commerce.*",
        "network.*",
        "supply.*",
        "market.*",
        "caravan.*",
        "auth.view_group",
        "auth.change_group",
        "axes.*",
    ],
    COUNTY_LEADER: [
        "core.view_all_organizations",
        "core.view_*",
        "members.view_*",
        "commerce.view_*",
        "network.view_*",
        "supply.view_*",
        "market.view_*",
        "caravan.view_*",
    ],
    DEPARTMENT_STAFF: [
        "core.view_organization",
        "core.view_region",
        "core.add_importjob",
        "core.view_importjob",
        "members.*",
        "commerce.*",
        "network.*",
        "supply.*",
        "market.*",
        "caravan.*",
    ],
    BOOKKEEPER: [
        "core.view_organization",
        "core.view_region",
        "members.view_*",
        "commerce.view_*",
        "supply.view_campaign",
        "market.view_*",
        "caravan.view_*",
    ],
    STORE_CLERK: [
        "core.view_region",
        "members.view_member",
        "supply.view_unificationassessment",
        *SELLING,
        # a fair's stall is staffed by store clerks
        "market.view_channel",
        "market.view_channelorder",
        "market.sell_at_stall",
    ],
    # A crew sees only the vehicles they are on (no caravan.view_fleet) and records trips from the phone.
    TRUCK_CREW: [
        "core.view_region",
        "members.view_member",
        *SELLING,
        "caravan.view_vehicle",
        "caravan.view_trip",
        "caravan.record_trip",
        "caravan.view_producepurchase",
    ],
    FUND_MANAGER: ["core.view_region", "members.view_member"],
}


def _permissions_for(specs: list[str]) -> Any:
    query = Q(pk__in=[])
    for spec in specs:
        app_label, codename = spec.split(".", 1)
        if codename == "*":
            query |= Q(content_type__app_label=app_label)
        elif codename.endswith("*"):
            query |= Q(content_type__app_label=app_label, codename__startswith=codename[:-1])
        else:
            query |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(query)


def sync_roles() -> None:
    """Create the role groups and set each one's permissions to exactly what ROLES says."""
    for name, specs in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions_for(specs))


def sync_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    if sender.label != "core":
        return
    using = kwargs.get("using", "default")
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    sync_roles()

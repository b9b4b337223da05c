"""The demo's service network at a small scale (as the demo tests build it): a village coop in every town."""

import random

import pytest

from gongxiao.core import roles
from gongxiao.core.demo import DemoContext, organizations, regions, users
from gongxiao.network import demo
from gongxiao.network.models import Outlet

pytestmark = pytest.mark.django_db


def test_a_small_scale_keeps_a_village_coop_in_every_town():
    roles.sync_roles()
    ctx = DemoContext(seed=7, scale=0.05, password="x")
    for func in (regions, organizations, users):
        ctx.rng = random.Random(f"7:{func.__name__}")
        func(ctx)
    ctx.rng = random.Random("7:network")
    demo.service_network(ctx)
    towns_with_coops = {
        outlet.region.path[:8]
        for outlet in Outlet.objects.filter(kind="village_service").select_related("region")
    }
    assert len(towns_with_coops) == 16
    assert Outlet.objects.filter(kind="village_service").count() == 16

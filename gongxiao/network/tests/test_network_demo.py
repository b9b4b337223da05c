"""The demo's service network, built on the demo county's map, organizations and users (core's steps only)."""

import io
import random
from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings

from gongxiao.core import excel, roles
from gongxiao.core.demo import DemoContext, organizations, regions, users
from gongxiao.network import demo, statistics
from gongxiao.network.importers import OutletImporter, export_queryset
from gongxiao.network.models import Outlet, OutletPhoto

pytestmark = pytest.mark.django_db


def _context(scale: float) -> DemoContext:
    roles.sync_roles()
    ctx = DemoContext(seed=2023, scale=scale, password="x")
    for func in (regions, organizations, users):
        ctx.rng = random.Random(f"2023:{func.__name__}")
        func(ctx)
    ctx.rng = random.Random("2023:network")
    return ctx


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    """The full-scale network, built once for the tests of this module and rolled back after them."""
    with (
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        ctx = _context(1.0)
        line = demo.service_network(ctx)
        yield ctx, line
        transaction.set_rollback(True)


def test_about_150_outlets_of_every_kind_but_the_chain_stores(built):
    _ctx, line = built
    kinds = {kind: Outlet.objects.filter(kind=kind).count() for kind in Outlet.Kind.values}
    assert kinds["chain_store"] == 0  # the supply step adds the five chain stores
    assert all(count > 0 for kind, count in kinds.items() if kind != "chain_store"), kinds
    assert 140 <= sum(kinds.values()) <= 150
    assert kinds["village_service"] == 110
    assert str(sum(kinds.values())) in line
    assert not Outlet.objects.filter(code__regex=r"^(CS|ST)-").exists()


def test_village_coops_hang_below_collection_centres_and_those_below_the_county_hub(built):
    for outlet in Outlet.objects.filter(kind="village_service").select_related("hub"):
        assert outlet.hub is not None and outlet.hub.kind == "collection_centre", outlet.code
    hub = Outlet.objects.get(code="CC-01")
    assert hub.hub is None
    assert set(
        Outlet.objects.filter(kind="collection_centre").exclude(pk=hub.pk).values_list("hub", flat=True)
    ) == {hub.pk}


def test_coordinates_lie_in_the_county_box(built):
    west, south, east, north = (Decimal(str(v)) for v in demo.BOX)
    for lon, lat in Outlet.objects.values_list("longitude", "latitude"):
        assert west <= lon <= east and south <= lat <= north


def test_two_farm_service_centres_declared_at_provincial_level_in_2022(built):
    figures = statistics.year_figures(Outlet.objects.all(), 2022)
    assert figures.declared["province"] == 2
    assert figures.declared["city"] == 1
    assert figures.new["village_service"] > 0 and figures.renovated["village_service"] > 0
    years = statistics.figures_by_year(Outlet.objects.all())
    assert (
        len([y for y in years if years[y].new["village_service"] or years[y].renovated["village_service"]])
        >= 5
    )


def test_part_of_the_county_is_covered(built):
    coverage = statistics.coverage(Outlet.objects.all())
    assert coverage.villages == 250
    assert 40 < coverage.share < 90
    assert any(row.covered < row.villages for row in coverage.towns)
    assert all(row.covered > 0 for row in coverage.towns)


def test_every_outlet_has_a_photo_and_stores_their_stock_location(built):
    assert OutletPhoto.objects.count() == Outlet.objects.count()
    assert not Outlet.objects.filter(photos__isnull=True).exists()
    for store in Outlet.objects.filter(kind="direct_store"):
        assert store.location is not None and store.location.code == store.code


def test_the_demo_register_imports_again_unchanged(built):
    ctx, _line = built
    importer = OutletImporter(ctx.users["staff"], ctx.federation)
    content, count = importer.export(export_queryset(Outlet.objects.order_by("code")))
    result = excel.run_import(
        OutletImporter(ctx.users["staff"], ctx.federation), io.BytesIO(content), dry_run=True
    )
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (0, 0, count)

"""Network figures on the hand-counted case of conftest.py: villages covered, new and renovated, the sentence."""

from decimal import Decimal

import pytest
from django.utils.translation import override

from gongxiao.network import statistics
from gongxiao.network.models import Outlet


def _visible(user):
    return Outlet.objects.visible_to(user)


def _towns(coverage):
    return {row.town.name: (row.villages, row.covered, row.share, row.outlets) for row in coverage.towns}


def test_coverage_per_town_and_county_for_the_leader(network):
    # when
    coverage = statistics.coverage(_visible(network.county.leader))
    # then
    assert _towns(coverage) == {
        "桥头镇": (4, 4, Decimal("100.0"), 4),  # operating: CC-01, VS-01, VS-02, FC-03
        "溪口镇": (3, 1, Decimal("33.3"), 3),  # operating: VS-05, FC-01, FC-02
    }
    assert (coverage.villages, coverage.covered, coverage.share) == (7, 5, Decimal("71.4"))


def test_the_town_counts_its_operating_outlets_by_kind(network):
    coverage = statistics.coverage(_visible(network.county.leader))
    by_town = {row.town.name: row for row in coverage.towns}
    assert by_town["桥头镇"].by_kind == {
        "collection_centre": 1,
        "village_service": 2,
        "farm_service_centre": 1,
    }
    assert by_town["桥头镇"].outlets == 4
    assert by_town["溪口镇"].by_kind == {"village_service": 1, "farm_service_centre": 2}
    assert coverage.outlets == 7


def test_planned_and_closed_outlets_cover_nothing(network):
    # VS-03 (planned) names 溪二村, where VS-04 (closed) stands: 溪二村 stays uncovered
    covering = statistics.served_villages(_visible(network.county.leader))
    assert network.villages["溪二村"].pk not in covering
    assert network.villages["溪一村"].pk not in covering
    assert covering[network.villages["下村"].pk] == {network.outlets["VS-01"].pk, network.outlets["CC-01"].pk}
    # when VS-03 opens, both villages it touches count
    Outlet.objects.filter(code="VS-03").update(status=Outlet.Status.OPERATING)
    coverage = statistics.coverage(_visible(network.county.leader))
    assert (coverage.covered, coverage.share) == (7, Decimal("100.0"))


@pytest.mark.parametrize(
    "who,covered,share,qiaotou",
    [("a", 4, Decimal("57.1"), 4), ("b", 1, Decimal("14.3"), 0)],
)
def test_a_clerk_counts_the_outlets_of_their_own_coop(network, who, covered, share, qiaotou):
    user = {"a": network.county.clerk_a, "b": network.county.clerk_b}[who]
    coverage = statistics.coverage(_visible(user))
    assert (coverage.villages, coverage.covered, coverage.share) == (7, covered, share)
    assert _towns(coverage)["桥头镇"][1] == qiaotou


def test_new_renovated_and_declared_per_year(network):
    years = statistics.figures_by_year(_visible(network.county.leader))
    assert sorted(years) == [2015, 2016, 2018, 2019, 2020, 2021, 2022]  # 2023 is only planned (VS-03)
    y2022 = years[2022]
    assert dict(y2022.new) == {"village_service": 1}
    assert dict(y2022.renovated) == {"village_service": 2}
    assert dict(y2022.declared) == {"province": 1, "city": 1}
    assert dict(years[2021].renovated) == {"farm_service_centre": 1}
    assert dict(years[2021].declared) == {"province": 1}
    assert dict(years[2018].new) == {"village_service": 1}  # VS-04 was built, though closed since
    assert dict(years[2016].new) == {"farm_service_centre": 1}
    assert (y2022.total_new, y2022.total_renovated) == (1, 2)


def test_the_sentence_of_the_report_comes_from_the_figures(network):
    figures = statistics.year_figures(_visible(network.county.leader), 2022)
    with override("en"):
        assert figures.sentence() == (
            "village comprehensive service coops: 1 new, 2 renovated; "
            "farm service centres declared at provincial level: 1"
        )
    # a year without figures says zero, not nothing
    with override("en"):
        assert statistics.year_figures(_visible(network.county.leader), 2010).sentence() == (
            "village comprehensive service coops: 0 new, 0 renovated; "
            "farm service centres declared at provincial level: 0"
        )


def test_clerk_b_sentence_counts_only_coop_b(network):
    figures = statistics.year_figures(_visible(network.county.clerk_b), 2022)
    assert (figures.new["village_service"], figures.renovated["village_service"]) == (0, 1)
    assert figures.declared["province"] == 0


def test_default_year_is_the_latest_with_figures_not_in_the_future(network):
    years = statistics.figures_by_year(_visible(network.county.leader))
    Outlet.objects.filter(code="VS-01").update(opened_year=2030)
    later = statistics.figures_by_year(_visible(network.county.leader))
    assert statistics.default_year(years) == 2022
    assert 2030 in later and statistics.default_year(later) == 2022


def test_town_network_lists_villages_with_the_outlets_that_serve_them(network):
    town = statistics.town_network(_visible(network.county.leader), network.town)
    served = {row.village.name: [o.code for o in row.outlets] for row in town.villages}
    assert served == {"上村": ["VS-01"], "下村": ["CC-01", "VS-01"], "东村": ["VS-02"], "西村": ["CC-01"]}
    assert [o.code for o in town.outlets] == ["CC-01", "FC-03", "VS-01", "VS-02"]
    assert (town.coverage.villages, town.coverage.covered, town.coverage.share) == (4, 4, Decimal("100.0"))


def test_map_points_by_kind_with_links_to_hubs(network):
    Outlet.objects.filter(code="CC-01").update(longitude=Decimal("120.5"), latitude=Decimal("27.5"))
    Outlet.objects.filter(code="VS-01").update(longitude=Decimal("120.4"), latitude=Decimal("27.4"))
    Outlet.objects.filter(code="VS-05").update(longitude=Decimal("120.6"), latitude=Decimal("27.6"))
    points = statistics.map_points(_visible(network.county.leader))
    by_kind = {s["kind"]: [p["code"] for p in s["points"]] for s in points["series"]}
    assert by_kind == {"village_service": ["VS-01", "VS-05"], "collection_centre": ["CC-01"]}
    assert points["links"] == [[(120.4, 27.4), (120.5, 27.5)]]  # VS-01 -> CC-01; VS-02 has no coordinates
    assert points["bounds"] == [120.4, 27.4, 120.6, 27.6]
    assert points["without"] == 7
    assert statistics.map_points(_visible(network.county.clerk_b))["links"] == []

"""A hand-counted service network on top of the small county.

桥头镇 has four villages (上村, 下村 from the small county, 东村, 西村), 溪口镇 three (溪一村, 溪二村, 溪三村).

| code  | kind                 | operator | stands in | status    | opened | renovated | serves     |
|-------|----------------------|----------|-----------|-----------|--------|-----------|------------|
| CC-01 | collection centre    | A        | 桥头镇    | operating | 2019   |           | 西村, 下村 |
| VS-01 | village service coop | A        | 上村      | operating | 2022   |           | 下村       |
| VS-02 | village service coop | A        | 东村      | operating | 2015   | 2022      |            |
| VS-03 | village service coop | B        | 溪一村    | planned   | 2023   |           | 溪二村     |
| VS-04 | village service coop | B        | 溪二村    | closed    | 2018   |           |            |
| VS-05 | village service coop | B        | 溪三村    | operating | 2022   | 2022      |            |
| FC-01 | farm service centre  | A        | 溪口镇    | operating | 2020   |           | province, declared 2022 |
| FC-02 | farm service centre  | B        | 溪口镇    | operating | 2016   | 2021      | province, approved, declared 2021 |
| FC-03 | farm service centre  | A        | 桥头镇    | operating |        |           | city, declared 2022 |
| FC-04 | farm service centre  | B        | 溪口镇    | planned   |        |           | province, to be declared |

Covered: 桥头镇 all four (上村 by VS-01; 下村 by VS-01 and CC-01; 东村 by VS-02; 西村 by CC-01) = 100.0 %;
溪口镇 only 溪三村 (VS-03 is planned, VS-04 closed) = 1 of 3 = 33.3 %; the county 5 of 7 = 71.4 %.
2022: village service coops new 1 (VS-01), renovated 2 (VS-02, and VS-05 made from existing premises);
farm service centres declared at provincial level 1 (FC-01), at city level 1 (FC-03).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from gongxiao.core import roles
from gongxiao.core.models import Region
from gongxiao.core.testing import County, make_user
from gongxiao.network.models import Outlet


@dataclass
class Network:
    county: County
    town: Region
    town_b: Region
    villages: dict[str, Region]
    outlets: dict[str, Outlet]


def _add_village(town: Region, code: str, name: str) -> Region:
    return Region.objects.add_child(town, {"code": code, "name": name, "level": Region.Level.VILLAGE})


def build_network(county: County) -> Network:
    town = Region.objects.get(pk=county.town.pk)
    villages = {"上村": county.village_a, "下村": county.village_b}
    villages["东村"] = _add_village(town, "330327101203", "东村")
    villages["西村"] = _add_village(Region.objects.get(pk=town.pk), "330327101204", "西村")
    town_b = Region.objects.add_child(
        county.county_region, {"code": "330327102000", "name": "溪口镇", "level": Region.Level.TOWN}
    )
    for number, name in enumerate(["溪一村", "溪二村", "溪三村"], start=1):
        villages[name] = _add_village(Region.objects.get(pk=town_b.pk), f"33032710220{number}", name)
    a, b = county.coop_a, county.coop_b
    operating, planned, closed = Outlet.Status.OPERATING, Outlet.Status.PLANNED, Outlet.Status.CLOSED
    vs, fsc = Outlet.Kind.VILLAGE_SERVICE, Outlet.Kind.FARM_SERVICE_CENTRE
    rows = [
        ("CC-01", Outlet.Kind.COLLECTION_CENTRE, a, town, operating, 2019, None, ["西村", "下村"], {}),
        ("VS-01", vs, a, villages["上村"], operating, 2022, None, ["下村"], {}),
        ("VS-02", vs, a, villages["东村"], operating, 2015, 2022, [], {}),
        ("VS-03", vs, b, villages["溪一村"], planned, 2023, None, ["溪二村"], {}),
        ("VS-04", vs, b, villages["溪二村"], closed, 2018, None, [], {}),
        ("VS-05", vs, b, villages["溪三村"], operating, 2022, 2022, [], {}),
        ("FC-01", fsc, a, town_b, operating, 2020, None, [], {"grade": "province", "grade_status": "declared", "declared_year": 2022}),
        ("FC-02", fsc, b, town_b, operating, 2016, 2021, [], {"grade": "province", "grade_status": "approved", "declared_year": 2021}),
        ("FC-03", fsc, a, town, operating, None, None, [], {"grade": "city", "grade_status": "declared", "declared_year": 2022}),
        ("FC-04", fsc, b, town_b, planned, None, None, [], {"grade": "province", "grade_status": "planned"}),
    ]  # fmt: skip
    outlets = {}
    for code, kind, org, region, status, opened, renovated, served, grade in rows:
        outlet = Outlet.objects.create(
            organization=org,
            code=code,
            name=f"{region.name}{code}",
            kind=kind,
            status=status,
            region=region,
            opened_year=opened,
            renovated_year=renovated,
            **grade,
        )
        outlet.villages.set([villages[name] for name in served])
        outlets[code] = outlet
    Outlet.objects.filter(code__in=["VS-01", "VS-02"]).update(hub=outlets["CC-01"])
    return Network(
        county, Region.objects.get(pk=town.pk), Region.objects.get(pk=town_b.pk), villages, outlets
    )


@pytest.fixture
def network(county) -> Network:
    return build_network(county)


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clients(network, leader_client, client_a, client_b) -> dict[str, Client]:  # type: ignore[no-untyped-def]
    """The leader, clerks A and B, a store clerk and a fund manager of coop A, and an anonymous visitor."""
    county = network.county
    return {
        "leader": leader_client,
        "a": client_a,
        "b": client_b,
        "store": logged_in(make_user("store_1", county.coop_a, roles.STORE_CLERK)),
        "fund": logged_in(make_user("fund_1", county.coop_a, roles.FUND_MANAGER)),
        "anonymous": Client(),
    }

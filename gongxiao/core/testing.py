"""Builders for tests and the demo: a small county with the three people every test needs.

`small_county()` gives the federation with two base coops (A and B) under it, a town with two
villages, and the users: a county leader, a clerk of coop A, a clerk of coop B.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from stdnum.cn import ric, uscc

from gongxiao.core import roles
from gongxiao.core.models import Organization, Region, User


def make_ric(birth: dt.date, sequence: int, region: str = "330327") -> str:
    """A resident ID number with a correct check digit (python-stdnum computes it)."""
    body = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_uscc(sequence: int, region: str = "330327", kind: str = "93") -> str:
    """A unified social credit code with a correct check digit; kind 93 = farmers' cooperative."""
    body = f"{kind}{region}{sequence:09d}"[:17]
    return body + uscc.calc_check_digit(body)


TEST_PASSWORD = "Passw0rd!gx"
_password_hash: list[str] = []


def make_user(username: str, organization: Organization | None, *role_names: str, **extra: object) -> User:
    """A user with the test password, hashed with the production hasher (Argon2) once per process:
    Argon2 takes a fifth of a second by design, and most tests make three or more users."""
    if not _password_hash:
        _password_hash.append(make_password(TEST_PASSWORD))
    user = User.objects.create(
        username=username, password=_password_hash[0], organization=organization, **extra
    )
    for name in role_names:
        user.groups.add(Group.objects.get(name=name))
    return user


@dataclass
class County:
    federation: Organization
    coop_a: Organization
    coop_b: Organization
    county_region: Region
    town: Region
    village_a: Region
    village_b: Region
    leader: User
    clerk_a: User
    clerk_b: User


def small_county() -> County:
    roles.sync_roles()
    regions, orgs = Region.objects, Organization.objects
    county_region = regions.add_root({"code": "330327000000", "name": "青山县", "level": Region.Level.COUNTY})
    town = regions.add_child(
        county_region, {"code": "330327101000", "name": "桥头镇", "level": Region.Level.TOWN}
    )
    village_a = regions.add_child(
        town, {"code": "330327101201", "name": "上村", "level": Region.Level.VILLAGE}
    )
    village_b = regions.add_child(
        town, {"code": "330327101202", "name": "下村", "level": Region.Level.VILLAGE, "is_mountain": True}
    )
    federation = orgs.add_root(
        {
            "code": "QS",
            "name": "青山县供销合作社联合社",
            "kind": Organization.Kind.FEDERATION,
            "region": county_region,
        }
    )
    coop_a = orgs.add_child(
        federation,
        {"code": "QS-A", "name": "桥头供销社", "kind": Organization.Kind.BASE_COOP, "region": town},
    )
    coop_b = orgs.add_child(
        federation,
        {"code": "QS-B", "name": "溪口供销社", "kind": Organization.Kind.BASE_COOP, "region": town},
    )
    return County(
        federation=federation,
        coop_a=Organization.objects.get(pk=coop_a.pk),
        coop_b=Organization.objects.get(pk=coop_b.pk),
        county_region=county_region,
        town=Region.objects.get(pk=town.pk),
        village_a=Region.objects.get(pk=village_a.pk),
        village_b=Region.objects.get(pk=village_b.pk),
        leader=make_user("county_leader", Organization.objects.get(pk=federation.pk), roles.COUNTY_LEADER),
        clerk_a=make_user("clerk_a", Organization.objects.get(pk=coop_a.pk), roles.DEPARTMENT_STAFF),
        clerk_b=make_user("clerk_b", Organization.objects.get(pk=coop_b.pk), roles.DEPARTMENT_STAFF),
    )


# Words a Chinese page may show in Latin letters: names of things, not sentences to translate.
LATIN_ALLOWED = {
    "API",
    "Excel",
    "xlsx",
    "English",
    "Bearer",
    "Authorization",
    "OpenAPI",
    "ID",
    "docs",
    "api",
    "PDF",
    "QS",
}


def untranslated_words(text: str) -> list[str]:
    """Latin words of three letters or more in a zh-hans page's text, other than allowed names.

    User names, codes and tokens (with digits, '_' or '-') are data, not strings to translate.
    """
    import re

    found = []
    for token in re.findall(r"[A-Za-z][A-Za-z0-9_\-.@/]*", text):
        if len(token) < 3 or token in LATIN_ALLOWED or re.search(r"[\d_\-.@/]", token):
            continue
        found.append(token)
    return found

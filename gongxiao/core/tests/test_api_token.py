"""API tokens: one query for the token, its user and organization; `last_used_at` at most once a minute;
the user's permissions in one query, the same set ModelBackend computes; Chinese bounds in refusals."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from ninja import Field, Schema
from pydantic import ValidationError

from gongxiao.core import clock
from gongxiao.core.api import load_permissions, pydantic_errors
from gongxiao.core.models import ApiToken, User


def _get(client, key):
    return client.get("/api/organizations", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_last_used_is_written_at_most_once_a_minute(county):
    token, key = ApiToken.issue(county.clerk_a, "counter")
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    client = Client()
    with clock.travel(start):
        assert _get(client, key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == start
    with clock.travel(start + dt.timedelta(seconds=59)):
        assert _get(client, key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == start
    with clock.travel(start + dt.timedelta(seconds=61)):
        assert _get(client, key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(seconds=61)


def test_token_user_and_organization_come_in_one_query(county):
    _token, key = ApiToken.issue(county.clerk_a, "counter")
    with CaptureQueriesContext(connection) as queries:
        user = ApiToken.authenticate(key)
        assert user is not None
        assert user.organization is not None and user.organization.code == "QS-A"
    assert len(queries) == 2  # the token (user, organization) and the first use's last_used_at
    with CaptureQueriesContext(connection) as queries:
        assert ApiToken.authenticate(key) is not None
    assert len(queries) == 1  # used a moment ago: no write


def test_revoked_tokens_and_inactive_users_are_refused(county):
    token, key = ApiToken.issue(county.clerk_a, "counter")
    token.revoke()
    assert ApiToken.authenticate(key) is None
    assert _get(Client(), key).status_code == 401
    _token, other = ApiToken.issue(county.clerk_b, "counter")
    User.objects.filter(pk=county.clerk_b.pk).update(is_active=False)
    assert ApiToken.authenticate(other) is None


def test_permissions_load_in_one_query_and_match_model_backend(county):
    # given: a clerk with the permissions of their role and one more of their own
    clerk = User.objects.get(pk=county.clerk_a.pk)
    clerk.user_permissions.add(Permission.objects.get(codename="view_all_organizations"))
    expected = ModelBackend().get_all_permissions(User.objects.get(pk=clerk.pk))
    assert "core.view_all_organizations" in expected and len(expected) > 5
    # when
    fresh = User.objects.get(pk=clerk.pk)
    with CaptureQueriesContext(connection) as queries:
        load_permissions(fresh)
        granted = [fresh.has_perm(p) for p in sorted(expected)]
        refused = fresh.has_perm("core.delete_organization")
    # then
    assert len(queries) == 1
    assert all(granted) and not refused
    assert fresh.get_all_permissions() == expected


def test_a_role_taken_away_counts_from_the_next_request(county):
    _token, key = ApiToken.issue(county.clerk_a, "counter")
    client = Client()
    assert _get(client, key).status_code == 200
    county.clerk_a.groups.clear()
    assert _get(client, key).status_code == 403


def test_superusers_keep_every_permission(county):
    boss = User.objects.create_superuser("boss", password="Passw0rd!gx", organization=county.federation)
    _token, key = ApiToken.issue(boss, "admin")
    user = ApiToken.authenticate(key)
    assert user is not None
    load_permissions(user)
    assert user.has_perm("core.delete_organization")
    assert not Group.objects.filter(user=boss).exists()


class _Bounds(Schema):
    amount: Decimal = Field(gt=0)
    quantity: Decimal = Field(ge=0)
    discount: Decimal = Field(lt=1)
    count: int = Field(le=10)


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("amount", "0", "“amount”：应大于 0"),
        ("quantity", "-1", "“quantity”：不能小于 0"),
        ("discount", "1", "“discount”：应小于 1"),
        ("count", 11, "“count”：不能大于 10"),
    ],
)
def test_bounds_are_refused_in_chinese_with_the_bound(field, value, message):
    data = {"amount": "1", "quantity": "1", "discount": "0", "count": 1, field: value}
    with pytest.raises(ValidationError) as exc:
        _Bounds.model_validate(data)
    assert [error["message"] for error in pydantic_errors(exc.value.errors())] == [message]

"""Fixtures every test shares: the small county with its three people (leader, clerk A, clerk B)."""

from __future__ import annotations

import pytest
from django.test import Client

from gongxiao.core.testing import County, small_county


@pytest.fixture
def county(db) -> County:  # type: ignore[no-untyped-def]
    return small_county()


def _client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def leader_client(county: County) -> Client:
    return _client_for(county.leader)


@pytest.fixture
def client_a(county: County) -> Client:
    return _client_for(county.clerk_a)


@pytest.fixture
def client_b(county: County) -> Client:
    return _client_for(county.clerk_b)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_THREADS = False

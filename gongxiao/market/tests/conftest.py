import pytest

from gongxiao.market.testing import market_setup


@pytest.fixture
def market(county):
    return market_setup(county)

import pytest

from gongxiao.commerce.testing import trade_setup


@pytest.fixture
def trade(county):
    return trade_setup(county)

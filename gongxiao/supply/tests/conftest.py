import pytest

from gongxiao.supply.testing import licensed_shop


@pytest.fixture
def shop(county):
    return licensed_shop(county)

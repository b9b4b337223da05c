"""A sales channel in a real browser: the columns of a new mall mapped from its export, the export
imported (checked, then confirmed), and the statistics page showing the new orders with charts."""

from __future__ import annotations

import pytest

from gongxiao.market.models import Channel, ChannelOrder
from gongxiao.market.testing import market_setup, order_file
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = ["订单ID", "支付时间", "SKU编码", "SKU名称", "件数", "单价", "收件人", "状态", "退款额", "配送方式"]
ROWS = [
    ["NB0305001", "2022-03-05 10:23:45", "NT01", "九蒸九晒姜茶", 2, 38, "王*", "已完成", 0, "快递"],
    ["NB0305001", "2022-03-05 10:23:45", "NT02", "高山土鸡蛋", 30, 2.5, "王*", "已完成", 0, "快递"],
    ["NB0412002", "2022-04-12 20:01:00", "NT03", "青山粉干", 5, 12.8, "陈*", "已完成", 0, "快递"],
    ["NB0413003", "2022-04-13 08:15:00", "NT01", "九蒸九晒姜茶", 1, 38, "赵*", "已退款", 38, "快递"],
]


@pytest.fixture
def new_channel(county):
    market = market_setup(county)
    return Channel.objects.create(
        organization=county.coop_a,
        code="NB",
        name="农博App供销优选门店",
        kind=Channel.Kind.ONLINE,
        platform=Channel.Platform.AGRI_APP_SHOP,
        location=market.warehouse_a,
    )


def _file(tmp_path, name, rows):
    path = tmp_path / name
    path.write_bytes(order_file(rows, headers=HEADERS).getvalue())
    return str(path)


def test_clerk_maps_a_new_channel_imports_its_orders_and_sees_them_in_the_statistics(
    page, new_channel, tmp_path
):
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, "clerk_a")
    page.goto(page.base_url + "/market/")
    page.click(f"text={new_channel.name}")
    page.click("[data-testid=mapping]")

    # the headers of a sample export become the choices, the likely column of each field chosen
    page.set_input_files("#id_sample", _file(tmp_path, "sample.xlsx", []))
    page.click("[data-testid=read-headers]")
    page.wait_for_selector("[data-testid=headers]")
    assert page.input_value("#id_column_order_no") == "订单ID"
    assert page.input_value("#id_column_ordered_at") == "支付时间"
    assert page.input_value("#id_column_product") == "SKU编码"
    assert page.input_value("#id_column_refund") == "退款额"
    page.select_option("#id_product_match", "code")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=mapping-table]")
    assert "SKU编码" in page.text_content("[data-testid=mapping-table]")

    # the mall's export: checked first, nothing written, then confirmed
    page.click("[data-testid=import]")
    page.set_input_files("#id_file", _file(tmp_path, "nongbo-2022.xlsx", ROWS))
    page.click("[data-testid=check]")
    page.wait_for_selector("[data-testid=import-status][data-status=checked]")
    assert page.text_content("[data-testid=created]").strip() == "4"
    assert not ChannelOrder.objects.exists()
    page.click("[data-testid=confirm-import]")
    page.wait_for_selector("[data-testid=import-status][data-status=done]")
    assert ChannelOrder.objects.filter(channel=new_channel).count() == 4

    # the statistics of the channel's year: two sales orders (the refunded one is not a sale)
    page.goto(page.base_url + f"/market/channels/{new_channel.pk}/")
    page.click("[data-testid=statistics]")
    page.wait_for_selector("[data-testid=chart-months][data-rendered=true] canvas")
    assert page.text_content("[data-testid=stat-orders]").strip() == "2"
    assert page.text_content("[data-testid=stat-amount]").strip() == "0.02"  # 76 + 75 + 64 yuan
    assert "NT03" in page.text_content("[data-testid=by-product]")
    months = page.text_content("[data-testid=by-month]")
    assert "2022-03" in months and "2022-04" in months
    assert page.locator("[data-testid=chart-brands][data-rendered=true] canvas").count() == 1

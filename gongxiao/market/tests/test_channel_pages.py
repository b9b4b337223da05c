"""A clerk sets up a new channel: its columns from a sample export, an import through the pages."""

import io

from python_calamine import CalamineWorkbook

from gongxiao.commerce.models import Document
from gongxiao.market.models import Channel, ChannelOrder
from gongxiao.market.testing import order_file

MALL_HEADERS = [
    "子订单编号",
    "创建时间",
    "商家编码",
    "商品标题",
    "购买数量",
    "成交价",
    "买家昵称",
    "交易状态",
    "是否退款",
    "店铺",
]


def _mall_file(rows):
    return order_file(rows, headers=MALL_HEADERS)


def test_a_new_channel_mapped_from_a_sample_and_imported(market, client_a):
    # given: a new channel
    response = client_a.post(
        "/market/channels/new/",
        {
            "organization": market.county.coop_a.pk,
            "code": "FSHL",
            "name": "丰收互联专区",
            "kind": "online",
            "platform": "bank_mall_zone",
            "location": market.warehouse_a.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    channel = Channel.objects.get(code="FSHL")
    assert client_a.get(f"/market/channels/{channel.pk}/import/").status_code == 302  # columns first
    # when: the clerk reads the headers of the mall's export, and the likely columns are chosen
    sample = _mall_file([])
    sample.name = "sample.xlsx"
    page = client_a.post(f"/market/channels/{channel.pk}/columns/", {"sample": sample})
    form = page.context["form"]
    assert form.initial["column_order_no"] == "子订单编号"
    assert form.initial["column_price"] == "成交价"
    assert form.initial["column_refund"] == "是否退款"
    saved = client_a.post(
        f"/market/channels/{channel.pk}/columns/",
        {
            "column_order_no": "子订单编号",
            "column_ordered_at": "创建时间",
            "column_product": "商家编码",
            "column_quantity": "购买数量",
            "column_price": "成交价",
            "column_buyer": "买家昵称",
            "column_status": "交易状态",
            "column_refund": "是否退款",
            "product_match": "code",
            "refund_words": "退款成功",
            "cancel_words": "交易关闭",
        },
    )
    assert saved.status_code == 302
    # and imports the export through the import pages
    rows = [
        ["F1", "2022/03/05 10:23", "NT01", "九蒸九晒姜茶", 2, 38, "张*", "交易成功", "否", "专区"],
        ["F2", "2022/03/05 11:00", "NT02", "土鸡蛋", 30, 2.5, "李*", "退款成功", "是", "专区"],
    ]
    upload = _mall_file(rows)
    job_page = client_a.post(f"/market/channels/{channel.pk}/import/", {"file": upload}, follow=True)
    job = job_page.context["job"]
    assert job.status == "checked" and job.created_count == 2
    assert not ChannelOrder.objects.exists()
    client_a.post(f"/base/imports/{job.pk}/confirm/")
    job.refresh_from_db()
    assert job.status == "done"
    # then
    assert sorted(ChannelOrder.objects.values_list("order_no", "status")) == [
        ("F1", "paid"),
        ("F2", "refunded"),
    ]
    assert Document.objects.get(kind="sale").total_amount == 76
    detail = client_a.get(f"/market/channels/{channel.pk}/").content.decode()
    assert "子订单编号" in detail and job.filename in detail


def test_two_fields_on_one_column_are_refused(market, client_a):
    channel = market.channel_a
    before = Channel.objects.values().get(pk=channel.pk)
    response = client_a.post(
        f"/market/channels/{channel.pk}/columns/",
        {
            "column_order_no": "订单编号",
            "column_ordered_at": "订单编号",
            "column_product": "商品编码",
            "column_quantity": "数量",
            "column_price": "单价",
            "product_match": "code",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert Channel.objects.values().get(pk=channel.pk) == before


def test_the_template_has_the_channels_own_columns(market, client_a):
    response = client_a.get(f"/market/channels/{market.channel_a.pk}/template.xlsx")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert [h.rstrip("*") for h in sheet[0]] == [
        "订单编号",
        "下单时间",
        "商品编码",
        "数量",
        "单价",
        "收货人",
        "订单状态",
        "退款金额",
    ]


def test_the_token_is_shown_once_and_posting_from_the_page(market, client_a):
    page = client_a.post(f"/market/channels/{market.channel_a.pk}/token/", {"action": "issue"})
    key = page.context["key"]
    assert key.startswith("mk_") and key in page.content.decode()
    assert key not in client_a.get(f"/market/channels/{market.channel_a.pk}/").content.decode()
    market.channel_a.refresh_from_db()
    assert market.channel_a.push_token_digest and market.channel_a.push_token_user == market.county.clerk_a
    client_a.post(f"/market/channels/{market.channel_a.pk}/token/", {"action": "revoke"})
    market.channel_a.refresh_from_db()
    assert not market.channel_a.push_token_digest

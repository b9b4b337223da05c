"""Checks of the channel orders against the trading core, for `gongxiao check-integrity`."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from gongxiao.commerce.models import Document
from gongxiao.core.integrity import Problems, register
from gongxiao.market.models import ChannelOrder


@register("渠道订单与其销售单据一致（金额、红冲）")
def channel_orders_match_documents() -> Problems:
    problems: Problems = []
    net: dict[int, Decimal] = defaultdict(Decimal)
    for order in ChannelOrder.objects.filter(document__isnull=False).select_related("document"):
        document = order.document
        assert document is not None
        if order.is_sale:
            net[document.pk] += order.amount - order.refund_amount
            if document.status != Document.Status.CONFIRMED:
                problems.append(
                    f"订单 {order.order_no}：仍是成交，所在单据 {document} 却已{document.get_status_display()}"
                )
        elif order.reversal_id is None and document.status == Document.Status.CONFIRMED:
            problems.append(
                f"订单 {order.order_no}：已{order.get_status_display()}，所在单据 {document} 却未红冲"
            )
    for document in Document.objects.filter(pk__in=list(net)):
        if document.status == Document.Status.CONFIRMED and document.total_amount != net[document.pk]:
            problems.append(
                f"单据 {document}：金额 {document.total_amount} 元，其订单净额合计 {net[document.pk]} 元"
            )
    return problems

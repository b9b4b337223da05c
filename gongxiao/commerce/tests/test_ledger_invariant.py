"""Any sequence of documents keeps every balance equal to the sum of its moves, and never negative."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from gongxiao.commerce.actions import DocumentSpec, LineSpec, create_and_confirm, reverse_document
from gongxiao.commerce.errors import TradeError
from gongxiao.commerce.integrity import stock_balances_match_moves
from gongxiao.commerce.models import Document, StockBalance
from gongxiao.commerce.testing import trade_setup
from gongxiao.core.testing import small_county

quantities = st.integers(min_value=1, max_value=400).map(Decimal)
costs = st.integers(min_value=100, max_value=500).map(lambda c: Decimal(c) / 100)
operation = st.one_of(
    st.tuples(st.just("purchase"), st.integers(0, 2), quantities, costs),
    st.tuples(st.just("sale"), st.integers(0, 2), quantities, costs),
    st.tuples(st.just("transfer"), st.integers(0, 2), quantities, st.integers(0, 2)),
    st.tuples(st.just("stocktake"), st.integers(0, 2), st.integers(0, 400).map(Decimal), costs),
    st.tuples(st.just("reverse"), st.integers(0, 50), quantities, costs),
)


class LedgerInvariant(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.trade = trade_setup(small_county())
        cls.truck = _truck(cls.trade)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(operation, min_size=1, max_size=12))
    def test_balances_equal_moves_and_never_negative(self, operations):
        trade = self.trade
        user = trade.county.clerk_a
        locations = [trade.warehouse_a, trade.store_a, self.truck]
        confirmed: list[Document] = []
        for op, where, amount, other in operations:
            before = list(StockBalance.objects.order_by("pk").values_list("quantity", "value"))
            try:
                if op == "reverse":
                    if confirmed:
                        reverse_document(confirmed[where % len(confirmed)], user, "测试冲销")
                    continue
                spec = DocumentSpec(
                    kind=op, organization=trade.county.coop_a, location=locations[where], lines=[]
                )
                if op == "purchase":
                    spec.lines = [LineSpec(trade.fertilizer, amount, unit_price=other)]
                elif op == "sale":
                    spec.lines = [LineSpec(trade.fertilizer, amount, unit_price=other)]
                elif op == "transfer":
                    spec.to_location = locations[other]
                    spec.lines = [LineSpec(trade.fertilizer, amount)]
                else:
                    spec.lines = [LineSpec(trade.fertilizer, amount)]
                confirmed.append(create_and_confirm(user, spec))
            except TradeError:
                assert list(StockBalance.objects.order_by("pk").values_list("quantity", "value")) == before
            assert stock_balances_match_moves() == []
            assert not StockBalance.objects.filter(quantity__lt=0).exists()
            assert not StockBalance.objects.filter(quantity=0).exclude(value=0).exists()


def _truck(trade):
    from gongxiao.commerce.models import Location

    return Location.objects.create(
        organization=trade.county.coop_a, code="A-TR", name="桥头大篷车", kind="truck"
    )

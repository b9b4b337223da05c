from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongxiao.commerce.models import Business, Location, Product
from gongxiao.core.forms import ScopedModelForm
from gongxiao.market.importers import FIELDS
from gongxiao.market.models import Brand, Channel
from gongxiao.members.models import Member

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ChannelForm(ScopedModelForm):
    class Meta:
        model = Channel
        fields = [
            "organization",
            "code",
            "name",
            "kind",
            "platform",
            "operator",
            "url",
            "location",
            "opened_on",
            "starts_on",
            "ends_on",
            "venue",
            "organizers",
            "visitors",
            "online_views",
            "brands",
            "is_active",
            "note",
        ]
        widgets = {"opened_on": DATE, "starts_on": DATE, "ends_on": DATE}
        help_texts = {
            "starts_on": _("sales events only"),
            "visitors": _("sales events only"),
            "online_views": _("sales events only: views of the event's live stream or pages"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = (
            Location.objects.visible_to(self.user).filter(is_active=True).order_by("code")
        )
        self.fields["brands"].queryset = Brand.objects.visible_to(self.user).order_by("name")
        self.fields["brands"].required = False


# Headers malls commonly give each field: the mapping page preselects them from a sample file.
GUESSES: dict[str, tuple[str, ...]] = {
    "order_no": ("订单编号", "订单号", "子订单编号", "订单ID", "订单id", "单号", "商户订单号"),
    "ordered_at": ("下单时间", "创建时间", "订单创建时间", "支付时间", "付款时间", "成交时间", "时间"),
    "product": ("商品编码", "商家编码", "SKU编码", "商品编号", "货号", "商品名称", "商品", "商品标题"),
    "quantity": ("数量", "购买数量", "件数", "商品数量", "兑换数量"),
    "unit_price": ("单价", "商品单价", "成交单价", "成交价", "销售单价", "价格"),
    "buyer": ("收货人", "收件人", "买家", "买家昵称", "客户", "会员"),
    "status": ("订单状态", "交易状态", "状态"),
    "refund": ("退款金额", "退款额", "是否退款", "退款状态"),
}
MODEL_FIELD = {
    "order_no": "column_order_no",
    "ordered_at": "column_ordered_at",
    "product": "column_product",
    "quantity": "column_quantity",
    "unit_price": "column_price",
    "buyer": "column_buyer",
    "status": "column_status",
    "refund": "column_refund",
}


class MappingForm(forms.ModelForm):
    """Which header of the mall's export holds each field of an order.

    With the headers of a sample file, each field is a choice among them (the likely one
    preselected); without, the headers are typed in.
    """

    class Meta:
        model = Channel
        fields = [*MODEL_FIELD.values(), "product_match", "refund_words", "cancel_words"]

    def __init__(self, *args: Any, headers: list[str] | None = None, **kwargs: Any) -> None:
        kwargs.pop("user", None)
        super().__init__(*args, **kwargs)
        for name, label, required in FIELDS:
            field_name = MODEL_FIELD[name]
            current = getattr(self.instance, field_name)
            self.fields[field_name].label = label
            self.fields[field_name].required = required
            if headers:
                options = list(dict.fromkeys([*headers, *([current] if current else [])]))
                self.fields[field_name] = forms.ChoiceField(
                    label=label,
                    required=required,
                    choices=[("", _("(not in the file)"))] + [(h, h) for h in options],
                )
                if not current:
                    guess = next((h for h in GUESSES[name] if h in headers), "")
                    self.initial[field_name] = guess

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [data.get(f) for f in MODEL_FIELD.values() if data.get(f)]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("Two fields name the same column of the file."))
        return data


class SampleForm(forms.Form):
    sample = forms.FileField(label=_("A file the mall exported (.xlsx)"))


class BrandForm(ScopedModelForm):
    class Meta:
        model = Brand
        fields = [
            "organization",
            "name",
            "slogan",
            "launched_year",
            "description",
            "products",
            "producers",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = (
            Product.objects.visible_to(self.user).filter(business=Business.FARM_PRODUCE).order_by("code")
        )
        self.fields["products"].help_text = _("products of the farm and sideline business")
        self.fields["producers"].queryset = (
            Member.objects.visible_to(self.user)
            .exclude(kind=Member.Kind.HOUSEHOLD)
            .filter(is_active=True)
            .order_by("name")
        )
        self.fields["producers"].help_text = _("family farms, cooperatives and enterprises that make them")


class TokenForm(forms.Form):
    action = forms.ChoiceField(choices=[("issue", "issue"), ("revoke", "revoke")])


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=150)

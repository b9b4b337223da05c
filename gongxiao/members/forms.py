from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongxiao.core.forms import ScopedModelForm
from gongxiao.core.models import Region
from gongxiao.members.models import Industry, Member, Union, UnionMembership


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return obj.full_name()


class MemberForm(ScopedModelForm):
    industry_list = forms.MultipleChoiceField(
        label=_("Industries"), choices=Industry.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Member
        fields = [
            "organization",
            "kind",
            "name",
            "id_number",
            "phone",
            "village",
            "address",
            "industry_list",
            "land_area_mu",
            "joined_on",
            "is_active",
            "note",
        ]
        widgets = {"joined_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"] = VillageChoiceField(
            queryset=Region.objects.filter(level=Region.Level.VILLAGE).order_by("code"), label=_("Village")
        )
        if self.instance.pk:
            self.fields["village"].initial = self.instance.village_id
            self.fields["industry_list"].initial = self.instance.industry_codes()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.instance.industries = ",".join(data.get("industry_list") or [])
        return data


class UnionForm(ScopedModelForm):
    class Meta:
        model = Union
        fields = [
            "organization",
            "kind",
            "name",
            "town",
            "industry",
            "established_on",
            "member_organizations",
        ]
        widgets = {
            "established_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "member_organizations": forms.SelectMultiple(attrs={"class": "tom-select"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from gongxiao.core.models import Organization

        self.fields["member_organizations"].queryset = Organization.objects.visible_to(self.user).order_by(
            "path"
        )
        self.fields["town"].queryset = Region.objects.filter(level=Region.Level.TOWN).order_by("code")


class UnionMembershipForm(forms.ModelForm):
    class Meta:
        model = UnionMembership
        fields = ["member", "joined_on", "is_council_member"]
        widgets = {"joined_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, user: Any, union: Union, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.union = union
        self.instance.union = union
        self.fields["member"].queryset = Member.objects.visible_to(user).filter(is_active=True)
        self.fields["member"].widget.attrs["class"] = "tom-select"

    def clean_member(self) -> Member:
        member = self.cleaned_data["member"]
        if UnionMembership.objects.filter(union=self.union, member=member).exists():
            raise forms.ValidationError(_("This member is already in the union."))
        return member

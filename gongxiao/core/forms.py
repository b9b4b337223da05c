from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gongxiao.core.models import Organization


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organization) -> str:
        return "　" * (obj.depth - 1) + obj.name


def organization_field(user: Any, **kwargs: Any) -> OrganizationChoiceField:
    """A select of the organizations the user may write for: their own subtree."""
    return OrganizationChoiceField(
        queryset=Organization.objects.visible_to(user).filter(is_active=True).order_by("path"),
        label=kwargs.pop("label", _("Organization")),
        **kwargs,
    )


class ScopedModelForm(forms.ModelForm):
    """A model form whose `organization` field offers only the user's subtree."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if "organization" in self.fields:
            self.fields["organization"] = organization_field(user, initial=user.organization)
            if self.instance.pk:
                self.fields["organization"].initial = self.instance.organization_id


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"] = organization_field(
            user, initial=user.organization, label=_("Rows belong to")
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods")):
            raise forms.ValidationError(_("Upload an Excel file (.xlsx)."))
        return upload


class TokenForm(forms.Form):
    name = forms.CharField(label=_("What the token is for"), max_length=60)

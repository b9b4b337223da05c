"""Create and edit pages for scoped models: the form pattern of ui.md with the data scope applied."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from gongxiao.core.http import AuthedRequest


def edit_object(
    request: AuthedRequest,
    form_class: Any,
    *,
    instance: Any = None,
    permission: str,
    title: Any,
    breadcrumbs: list[tuple[Any, str]],
    success: Any,
    form_kwargs: dict[str, Any] | None = None,
) -> HttpResponse:
    """Show the form; on a valid POST save it in one transaction if the user may write its organization.

    `success` is called with the saved object and returns the URL to go to.
    """
    user = request.user
    if not user.has_perm(permission):
        raise PermissionDenied
    if instance is not None and instance.pk and not user.can_manage(instance.organization):
        raise PermissionDenied
    form = form_class(request.POST or None, instance=instance, user=user, **(form_kwargs or {}))
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if not user.can_manage(getattr(obj, "organization", None)):
            raise PermissionDenied
        with transaction.atomic():
            obj.save()
            form.save_m2m()
        messages.success(request, _("Saved “%(name)s”.") % {"name": obj})
        return redirect(success(obj))
    return render(
        request,
        "core/form.html",
        {"form": form, "title": title, "breadcrumbs": breadcrumbs, "object": instance},
    )

"""The crew's phone page and its service worker (served from the page's own path, so that it may keep it)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache

from gongxiao.caravan.phone import phone_texts
from gongxiao.core import clock
from gongxiao.core.http import AuthedRequest

STATIC_DIR = Path(__file__).resolve().parent / "static" / "caravan"
ASSETS = ["vendor/bootstrap/bootstrap.min.css", "caravan/phone.css", "caravan/phone.js"]


@never_cache
@login_required
def phone(request: AuthedRequest) -> HttpResponse:
    if not request.user.has_perm("caravan.record_trip"):
        raise PermissionDenied
    day = clock.today()
    try:  # another day's trips, e.g. to record a run after the fact: ?date=2023-03-07
        day = dt.date.fromisoformat(request.GET.get("date", "")) if request.GET.get("date") else day
    except ValueError:
        pass
    bundle_url = reverse("api:phone_bundle")
    config = {
        "user_id": request.user.pk,
        "today": day.isoformat(),
        "bundle_url": bundle_url if day == clock.today() else f"{bundle_url}?date={day.isoformat()}",
        "sync_url": reverse("api:sync_entries"),
        "sw_url": reverse("caravan:phone_sw"),
        "sw_scope": reverse("caravan:phone"),
        "csrf": get_token(request),
    }
    return render(request, "caravan/phone.html", {"texts": phone_texts(), "config": config})


def _version() -> str:
    digest = hashlib.sha256()
    for name in ("phone.js", "phone.css"):
        digest.update((STATIC_DIR / name).read_bytes())
    return digest.hexdigest()[:12]


@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    body = render_to_string(
        "caravan/sw.js",
        {
            "version": _version(),
            "shell_json": json.dumps(reverse("caravan:phone")),
            "assets_json": json.dumps([static(name) for name in ASSETS]),
        },
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("caravan:phone")
    return response

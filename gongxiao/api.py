"""The JSON API under /api/, OpenAPI at /api/docs."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from gongxiao.caravan.api import router as caravan_router
from gongxiao.commerce.api import router as commerce_router
from gongxiao.core.api import AUTH, pydantic_errors
from gongxiao.core.api import router as core_router
from gongxiao.market.api import router as market_router
from gongxiao.market.contract_api import router as contract_router
from gongxiao.members.api import router as members_router
from gongxiao.network.api import router as network_router
from gongxiao.supply.api import router as supply_router
from gongxiao.supply.reserve_api import router as reserve_router

api = NinjaAPI(title="Gongxiao API", version="1", auth=AUTH, urls_namespace="api", docs_url="/docs")
api.add_router("/", core_router)
api.add_router("/", members_router)
api.add_router("/", commerce_router)
api.add_router("/", network_router)
api.add_router("/", supply_router)
api.add_router("/", reserve_router)
api.add_router("/", market_router)
api.add_router("/", contract_router)
api.add_router("/", caravan_router)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = pydantic_errors(exc.errors)
    return api.create_response(request, {"detail": _("The data is not valid."), "errors": errors}, status=422)


@api.exception_handler(ValidationError)
def on_model_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    if hasattr(exc, "error_dict"):
        for field, field_errors in exc.message_dict.items():
            for message in field_errors:
                errors.append({"field": field, "message": f"“{field}”：{message}"})
    else:
        errors = [{"field": "", "message": message} for message in exc.messages]
    return api.create_response(request, {"detail": _("The data is not valid."), "errors": errors}, status=422)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": _("Log in or send a valid API token.")}, status=401)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)

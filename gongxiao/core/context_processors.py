from typing import Any

from django.http import HttpRequest

from gongxiao.core.navigation import visible_sections


def navigation(request: HttpRequest) -> dict[str, Any]:
    return {"nav_sections": visible_sections(request.user)}

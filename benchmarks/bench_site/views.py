"""The floor a write endpoint is measured against: a request through the same server and middleware
that parses its JSON body and inserts one row (into `bench_insert_one`, made by the bench's setup)."""

from __future__ import annotations

import json

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS bench_insert_one"
    " (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), outlet_id bigint, lines int)"
)


@csrf_exempt
@require_POST
def insert_one(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    with connection.cursor() as cursor:  # autocommit: one INSERT, one commit
        cursor.execute(
            "INSERT INTO bench_insert_one (outlet_id, lines) VALUES (%s, %s) RETURNING id",
            [body.get("outlet_id"), len(body.get("lines", []))],
        )
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id}, status=201)

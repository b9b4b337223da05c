"""Members and member files for tests."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook

from gongxiao.core.testing import make_ric
from gongxiao.members.models import Member

HEADERS = ["成员类型", "姓名", "证件号码", "手机号", "行政村", "地址", "产业", "土地面积(亩)", "入社日期"]


def member(county: Any, org: Any, name: str = "张建国", seq: int = 1, **extra: Any) -> Member:
    values = {
        "organization": org,
        "kind": Member.Kind.HOUSEHOLD,
        "name": name,
        "id_number": make_ric(dt.date(1985, 3, 2), seq),
        "phone": "13800000000",
        "village": county.village_a,
    }
    values.update(extra)
    return Member.objects.create(**values)


def member_row(seq: int, name: str = "王小明", village: str = "上村", **extra: Any) -> list[Any]:
    row = {
        "成员类型": "农户",
        "姓名": name,
        "证件号码": make_ric(dt.date(1990, 1, 1) + dt.timedelta(days=seq), seq),
        "手机号": f"139{seq:08d}",
        "行政村": village,
        "地址": "",
        "产业": "粮食、茶叶",
        "土地面积(亩)": 3.5,
        "入社日期": "2022-05-01",
    }
    row.update(extra)
    return [row[h] for h in HEADERS]


def workbook(rows: list[list[Any]], headers: list[str] = HEADERS) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "members.xlsx"
    return buffer

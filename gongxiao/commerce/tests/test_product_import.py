"""The catalog from Excel: Chinese labels for choices, one package unit, pesticides need their number."""

import io

from openpyxl import Workbook

from gongxiao.commerce.models import Package, Product
from gongxiao.core.excel import IMPORTERS, run_import

HEADERS = [
    "商品编码",
    "商品名称",
    "规格",
    "主营业务",
    "品类",
    "基本单位",
    "包装名称",
    "每包装折合基本单位数",
    "基本单位单价",
    "登记证号",
    "禁用",
]


def _file(rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def _run(county, rows, dry_run=False):
    return run_import(IMPORTERS["products"](county.leader, county.federation), _file(rows), dry_run=dry_run)


def test_products_and_their_package_are_imported_and_reimport_changes_nothing(county):
    rows = [
        ["F101", "尿素", "N46%", "农资", "尿素", "千克", "袋", 50, 3.0, "", "否"],
        ["P101", "吡虫啉", "10% 20克", "农资", "农药", "件", "箱", 100, 4, "PD20050011", "否"],
    ]
    county.leader.is_superuser = True  # the leader role only reads; an administrator imports the catalog
    county.leader.save()
    result = _run(county, rows)
    assert result.errors == [] and result.created == 2
    urea = Product.objects.get(code="F101")
    assert (urea.category, urea.base_unit, urea.pinyin) == ("urea", "kg", "ns")
    assert Package.objects.get(product=urea).factor == 50
    assert urea.price == 3
    again = _run(county, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows[0][7] = 40
    changed = _run(county, rows)
    assert changed.updated == 1
    assert Package.objects.get(product=urea).factor == 40


def test_pesticide_without_registration_number_and_unknown_choice_are_named(county):
    rows = [
        ["P102", "阿维菌素", "", "农资", "农药", "件", "", "", 8, "", "否"],
        ["X001", "神秘商品", "", "军火", "其他", "件", "", "", 1, "", "否"],
        ["X002", "半包装", "", "农资", "种子", "件", "箱", "", 1, "", "否"],
    ]
    result = _run(county, rows)
    assert [(e["row"], e["column"]) for e in result.errors] == [
        (2, "登记证号"),
        (3, "主营业务"),
        (4, "包装名称"),
    ]
    assert "登记证号" in result.errors[0]["message"]
    assert Product.objects.count() == 0


def test_a_column_the_template_does_not_have_is_refused(county):
    book = Workbook()
    sheet = book.active
    sheet.append(["商品编码", "商品名称", "主营业务", "品类", "基本单位", "售价"])
    sheet.append(["F1", "尿素", "农资", "尿素", "千克", 3])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    result = run_import(IMPORTERS["products"](county.leader, county.federation), buffer, dry_run=False)
    assert [(e["row"], e["column"]) for e in result.errors] == [(1, "售价")]
    assert Product.objects.count() == 0

"""Channel orders import: 100,000 order rows of a mall's export end to end against a bare-DB-API baseline.

For each backend (SQLite in a temporary file; PostgreSQL in a throw-away database, skipped when
nothing answers at 127.0.0.1:5432) the parent process starts worker subprocesses of this same file,
each with its own DATABASE_URL (Django settings are per process):

* ``setup``    -- migrate, build the small county, 20 products, an e-commerce warehouse with stock
                  for every round, and a channel whose column mapping fits the file;
* ``baseline`` -- python-calamine reads the file, then ONE ``executemany`` inserts the same rows
                  (raw values: strings, numbers) into a bare table, committed;
* ``import``   -- ``run_import`` of the channel's bound importer (``IMPORTERS["channel_orders:<id>"]``)
                  into the empty orders table: reading, every check (times, products by code,
                  quantities, prices, statuses, refunds, the stock all the sales need), the sale
                  document with a line per product and price confirmed through the trading core
                  (stock moves, balances, number), and the order rows, in one transaction;
* ``reimport`` -- the same file again, once per backend: every row found and unchanged.

The file (one year, about 57,000 orders of one to three lines, 3 % refunded, 1.5 % cancelled,
1 % partly refunded, two columns the import does not read) is generated once into benchmarks/out/.
Baseline and import alternate for a few rounds; the ratio is best import / best baseline.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from _common import (
    OUT,
    baseline_insert,
    bench_main,
    empty_tables,
    import_rounds,
    import_size,
    import_summary,
    on_each_backend,
    profile_import,
    setup_worker,
    timed_import,
    worker_for,
)

TITLE = "channel orders import"
ROWS = 100_000
QUICK_ROWS = 5_000
TARGET = 3.0
FILE_VERSION = 1  # bump when the generated file changes

HEADERS = [
    "订单编号",
    "下单时间",
    "商品编码",
    "商品名称",
    "数量",
    "单价",
    "收货人",
    "订单状态",
    "退款金额",
    "收货地址",
]
PRODUCTS = [
    ("NT01", "粉干", "9.90"),
    ("NT02", "九蒸九晒姜茶", "39.00"),
    ("NT03", "道鑫糕点礼盒", "68.00"),
    ("NT04", "高山土鸡蛋", "45.00"),
    ("NT05", "山区地瓜粉", "26.00"),
    ("NT06", "高山云雾茶", "168.00"),
    ("NT07", "果冻橙", "79.00"),
    ("NT08", "高山大米", "49.90"),
    ("NT09", "番薯干", "19.90"),
    ("NT10", "笋干", "36.00"),
    ("NT11", "土蜂蜜", "88.00"),
    ("NT12", "香菇干", "42.00"),
    ("NT13", "压榨菜籽油", "128.00"),
    ("NT14", "饭糍", "22.00"),
    ("NT15", "鲜笋", "39.00"),
    ("NT16", "鲜香菇", "32.00"),
    ("NT17", "芋头", "25.00"),
    ("NT18", "杨梅", "98.00"),
    ("NT19", "散养土鸡", "138.00"),
    ("NT20", "溪鱼", "68.00"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜"
STOCK_PER_PRODUCT = "10000000"  # enough for every round


# ---------------------------------------------------------------- the file


def data_file(rows: int) -> Path:
    path = OUT / f"channel_orders_{rows}_v{FILE_VERSION}.xlsx"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        _generate(path, rows)
    return path


def _generate(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    rng = random.Random(20221231)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("订单")
    sheet.append(HEADERS)
    start = dt.datetime(2022, 1, 1, 8, 0, 0)
    seconds_in_year = 365 * 24 * 3600 - 16 * 3600
    written = 0
    number = 0
    while written < rows:
        number += 1
        moment = (start + dt.timedelta(seconds=rng.randrange(seconds_in_year))).strftime("%Y-%m-%d %H:%M:%S")
        buyer = rng.choice(SURNAMES) + "*" + rng.choice("明华芳军丽强")
        roll = rng.random()
        status = "已退款" if roll < 0.03 else "已取消" if roll < 0.045 else "已完成"
        lines = min(rng.choice([1, 1, 1, 2, 2, 3]), rows - written)
        for code, name, price in rng.sample(PRODUCTS, lines):
            quantity = rng.choice([1, 1, 1, 2, 2, 3, 5])
            amount = Decimal(price) * quantity
            refund: Any = 0
            if status == "已退款":
                refund = float(amount)
            elif roll < 0.055:
                refund = float((amount * Decimal("0.3")).quantize(Decimal("0.01")))
            sheet.append(
                [
                    f"ABC{number:09d}",
                    moment,
                    code,
                    name,
                    quantity,
                    float(price),
                    buyer,
                    status,
                    refund,
                    "浙江省青山县",
                ]
            )
            written += 1
    partial = path.with_suffix(".partial")
    workbook.save(partial)
    partial.rename(path)


# ---------------------------------------------------------------- the parent


_worker = worker_for(__file__)


def _write_detail(report: dict[str, Any]) -> str:
    return (
        f" of which the sale document {report['document']:.2f};"
        f" {report['orders']:,} orders, {report['lines']} document lines"
    )


def _measure(
    backend: str, url: str, directory: str, path: Path, rows: int, rounds: int, profile: bool
) -> dict[str, Any]:
    setup_worker(_worker, backend, url, directory, "set up the channel")
    baselines, imports = import_rounds(_worker, backend, url, directory, path, rows, rounds, _write_detail)
    again = _worker("reimport", url, directory, str(path), str(rows))
    print(
        f"  {backend}: the same file again: {again['seconds']:.2f} s, {again['unchanged']:,} rows unchanged"
    )
    if profile:
        profile_import(_worker, backend, url, directory, path, rows, "channel_import")
    extra = {
        "re-import s": f"{again['seconds']:.2f}",
        "import peak MB": f"{max(i['peak_mb'] for i in imports):.0f}",
    }
    return import_summary(TITLE, backend, rows, baselines, imports, TARGET, ROWS, extra)


def run(options: Any) -> list[dict[str, Any]]:
    """Called by benchmarks/run.py; returns one summary row per backend."""
    rows, rounds = import_size(options, ROWS, QUICK_ROWS)
    path = data_file(rows)

    def measure(backend: str, url: str, directory: str) -> list[dict[str, Any]]:
        return [_measure(backend, url, directory, path, rows, rounds, options.profile)]

    return on_each_backend(options, TITLE, "gongxiao_bench_channel", measure)


# ---------------------------------------------------------------- the workers


def _worker_setup() -> dict[str, Any]:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from gongxiao.commerce.actions import DocumentSpec, LineSpec, create_and_confirm
    from gongxiao.commerce.models import Business, Category, Document, Location, Product, Unit
    from gongxiao.core.testing import small_county
    from gongxiao.market.models import Channel

    county = small_county()
    products = [
        Product.objects.create(
            organization=county.federation,
            code=code,
            name=name,
            business=Business.FARM_PRODUCE,
            category=Category.PROCESSED,
            base_unit=Unit.PIECE,
            price=Decimal(price),
        )
        for code, name, price in PRODUCTS
    ]
    warehouse = Location.objects.create(
        organization=county.coop_a, code="A-EC", name="桥头电商仓", kind=Location.Kind.WAREHOUSE
    )
    create_and_confirm(
        county.clerk_a,
        DocumentSpec(
            kind=Document.Kind.PURCHASE,
            organization=county.coop_a,
            location=warehouse,
            partner_name="青山县农特产品合作社",
            lines=[
                LineSpec(p, Decimal(STOCK_PER_PRODUCT), unit_price=p.price * Decimal("0.6")) for p in products
            ],
        ),
    )
    Channel.objects.create(
        organization=county.coop_a,
        code="ABC",
        name="中国农业银行积分商城“青山供销馆”",
        platform=Channel.Platform.BANK_POINTS_MALL,
        location=warehouse,
        column_order_no="订单编号",
        column_ordered_at="下单时间",
        column_product="商品编码",
        column_quantity="数量",
        column_price="单价",
        column_buyer="收货人",
        column_status="订单状态",
        column_refund="退款金额",
        product_match=Channel.ProductMatch.CODE,
    )
    return {}


def _worker_baseline(path: str, rows: int) -> dict[str, Any]:
    columns = {
        "order_no": "varchar(64)",
        "ordered_at": "varchar(40)",
        "product": "varchar(100)",
        "quantity": "numeric(16, 3)",
        "unit_price": "numeric(16, 4)",
        "buyer": "varchar(100)",
        "status": "varchar(20)",
        "refund": "numeric(16, 2)",
    }

    def values(row: list[Any]) -> tuple[Any, ...]:
        quantity, price, refund = (Decimal(repr(row[i])) for i in (4, 5, 8))
        return (row[0], row[1], row[2], quantity, price, row[6], row[7], refund)

    return baseline_insert(path, rows, "bench_channel_orders", columns, values)


def _importer() -> Any:
    from gongxiao.core.excel import IMPORTERS
    from gongxiao.core.models import User
    from gongxiao.market.models import Channel

    channel = Channel.objects.get(code="ABC")
    return IMPORTERS[f"channel_orders:{channel.pk}"](User.objects.get(username="clerk_a")), channel


def _worker_import(path: str, rows: int, profile_to: str = "") -> dict[str, Any]:
    from django.db.models import Sum

    from gongxiao.market import actions
    from gongxiao.market.integrity import channel_orders_match_documents
    from gongxiao.market.models import ChannelOrder
    from gongxiao.market.statistics import summed

    empty_tables(ChannelOrder._meta.db_table)  # each round into an empty table; earlier documents stay
    importer, channel = _importer()
    document_seconds: list[float] = []
    post_sales = actions.post_sales

    def timed_post(*args: Any, **kwargs: Any) -> Any:
        begun = time.perf_counter()
        document = post_sales(*args, **kwargs)
        document_seconds.append(time.perf_counter() - begun)
        return document

    actions.post_sales = timed_post  # the importer calls it through the module
    result, report = timed_import(importer, path, profile_to)
    if not result.written or result.created != rows:
        raise RuntimeError(f"import failed: created {result.created} of {rows}; {result.error_lines()[:10]}")
    orders = ChannelOrder.objects.filter(channel=channel)
    documents = set(orders.exclude(document=None).values_list("document_id", flat=True))
    sales = orders.sales()
    totals = sales.aggregate(gross=Sum("amount"), refunds=Sum("refund_amount"))
    document = sales.first().document
    if (
        orders.count() != rows
        or len(documents) != 1
        or document.total_amount != summed(totals["gross"]) - summed(totals["refunds"])
    ):
        raise RuntimeError(
            f"import wrote {orders.count()} rows in {len(documents)} documents, {document.total_amount} yuan for {totals}"
        )
    problems = channel_orders_match_documents()
    if problems:
        raise RuntimeError(f"orders and documents disagree: {problems[:5]}")
    report["document"] = document_seconds[-1]
    report["orders"] = sales.values("order_no").distinct().count()
    report["lines"] = document.lines.count()
    return report


def _worker_reimport(path: str, rows: int) -> dict[str, Any]:
    from gongxiao.core.excel import run_import

    importer, _channel = _importer()
    started = time.perf_counter()
    result = run_import(importer, path, dry_run=False)
    seconds = time.perf_counter() - started
    if result.errors or result.unchanged != rows or result.created or result.updated:
        raise RuntimeError(
            f"re-import changed something: {result.created} {result.updated} {result.error_lines()[:5]}"
        )
    return {"seconds": seconds, "unchanged": result.unchanged}


WORKER_TASKS: dict[str, Any] = {
    "setup": lambda args: _worker_setup(),
    "baseline": lambda args: _worker_baseline(args[0], int(args[1])),
    "import": lambda args: _worker_import(args[0], int(args[1]), *args[2:]),
    "reimport": lambda args: _worker_reimport(args[0], int(args[1])),
}

if __name__ == "__main__":
    # a worker (--worker TASK ARGS), or just this bench: python benchmarks/bench_channel_import.py [--quick] ...
    raise SystemExit(bench_main("channel_import", WORKER_TASKS))

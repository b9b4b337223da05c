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
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

TITLE = "channel orders import"
ROWS = 100_000
QUICK_ROWS = 5_000
TARGET = 3.0
FILE_VERSION = 1  # bump when the generated file changes

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
OUT = HERE / "out"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
RESULT_MARK = "@@BENCH-RESULT "

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


def postgres_answers() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 5432), 2).close()
    except OSError:
        return False
    return True


def _worker(task: str, url: str, var_dir: str, *args: str) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="gongxiao.settings",
        GONGXIAO_VAR_DIR=var_dir,
        SECRET_KEY="bench-not-secret",
        DEBUG="false",
        PYTHONDONTWRITEBYTECODE="1",
    )
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", task, *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600, cwd=PROJECT)
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    raise RuntimeError(
        f"worker {task} failed (exit {done.returncode})\n--- stdout\n{done.stdout[-3000:]}\n"
        f"--- stderr\n{done.stderr[-5000:]}"
    )


def _measure(backend: str, url: str, path: Path, rows: int, rounds: int, profile: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="gongxiao-bench-") as var_dir:
        if backend == "sqlite":
            url = f"sqlite:///{var_dir}/bench.sqlite3"
        started = time.perf_counter()
        _worker("setup", url, var_dir)
        print(
            f"  {backend}: migrated and set up the channel in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        baselines: list[dict[str, Any]] = []
        imports: list[dict[str, Any]] = []
        for round_number in range(1, rounds + 1):
            baselines.append(_worker("baseline", url, var_dir, str(path), str(rows)))
            imports.append(_worker("import", url, var_dir, str(path), str(rows)))
            base, full = baselines[-1], imports[-1]
            print(
                f"  {backend} round {round_number}/{rounds}: baseline {base['seconds']:.2f} s"
                f" (read {base['read']:.2f}, insert {base['seconds'] - base['read']:.2f}),"
                f" import {full['seconds']:.2f} s (read {full['read']:.2f}, check {full['check']:.2f},"
                f" write {full['write']:.2f} of which the sale document {full['document']:.2f};"
                f" {full['orders']:,} orders, {full['lines']} document lines;"
                f" peak RSS {full['peak_mb']:.0f} MB, {full['before_mb']:.0f} MB before it started)",
                flush=True,
            )
        again = _worker("reimport", url, var_dir, str(path), str(rows))
        print(
            f"  {backend}: the same file again: {again['seconds']:.2f} s, {again['unchanged']:,} rows unchanged"
        )
        if profile:
            out = OUT / f"channel_import_{backend}.prof"
            report = _worker("import", url, var_dir, str(path), str(rows), str(out))
            print(f"  {backend}: profile of one import ({report['seconds']:.1f} s under cProfile) in {out}")
            print(report["profile"])
    best_base = min(baselines, key=lambda b: b["seconds"])
    best = min(imports, key=lambda i: i["seconds"])
    ratio = best["seconds"] / best_base["seconds"]
    paired = statistics.median(i["seconds"] / b["seconds"] for i, b in zip(imports, baselines, strict=True))
    return {
        "bench": TITLE,
        "backend": backend,
        "rows": f"{rows:,}",
        "baseline s": f"{best_base['seconds']:.2f}",
        "import s": f"{best['seconds']:.2f}",
        "read/check/write s": f"{best['read']:.2f}/{best['check']:.2f}/{best['write']:.2f}",
        "ratio": f"{ratio:.2f}x",
        "ratio per round": f"{paired:.2f}x",
        "re-import s": f"{again['seconds']:.2f}",
        "import peak MB": f"{max(i['peak_mb'] for i in imports):.0f}",
        "rows/s": f"{rows / best['seconds']:,.0f}",
        f"target ≤ {TARGET:.1f}x": (
            ("PASS" if ratio <= TARGET else "FAIL")
            if rows >= ROWS
            else f"n/a (the target is for {ROWS:,} rows)"
        ),
    }


def run(options: Any) -> list[dict[str, Any]]:
    """Called by benchmarks/run.py; returns one summary row per backend."""
    rows = options.rows or (QUICK_ROWS if options.quick else ROWS)
    rounds = options.rounds or (1 if options.quick else 3)
    path = data_file(rows)
    results: list[dict[str, Any]] = []
    backends = options.backend or ["sqlite", "postgres"]
    if "sqlite" in backends:
        results.append(_measure("sqlite", "", path, rows, rounds, options.profile))
    if "postgres" in backends:
        if not postgres_answers():
            results.append(
                {"bench": TITLE, "backend": "postgres", "note": "skipped: nothing answers at 127.0.0.1:5432"}
            )
        else:
            import psycopg

            name = f"gongxiao_bench_channel_{os.getpid()}"
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
            try:
                results.append(
                    _measure("postgres", f"{PG_SERVER}/{name}", path, rows, rounds, options.profile)
                )
            finally:
                with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results


# ---------------------------------------------------------------- the workers


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _setup_django() -> None:
    sys.path.insert(0, str(PROJECT))
    import django

    django.setup()


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
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    connection.ensure_connection()
    raw = connection.connection
    vendor = connection.vendor
    with _closing(raw.cursor()) as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_channel_orders")
        key = "bigserial" if vendor == "postgresql" else "integer"
        cursor.execute(
            f"CREATE TABLE bench_channel_orders (id {key} PRIMARY KEY, order_no varchar(64), ordered_at varchar(40),"
            " product varchar(100), quantity numeric(16, 3), unit_price numeric(16, 4), buyer varchar(100),"
            " status varchar(20), refund numeric(16, 2))"
        )
    placeholder = "%s" if vendor == "postgresql" else "?"
    sql = (
        "INSERT INTO bench_channel_orders (order_no, ordered_at, product, quantity, unit_price, buyer, status,"
        f" refund) VALUES ({', '.join([placeholder] * 8)})"
    )
    before = _peak_mb()
    started = time.perf_counter()
    data = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python(skip_empty_area=False)
    read = time.perf_counter() - started
    values = [
        (
            row[0],
            row[1],
            row[2],
            Decimal(repr(row[4])),
            Decimal(repr(row[5])),
            row[6],
            row[7],
            Decimal(repr(row[8])),
        )
        for row in data[1:]
    ]
    with transaction.atomic(), _closing(raw.cursor()) as cursor:
        cursor.executemany(sql, values)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_channel_orders")
        count = cursor.fetchone()[0]
    if count != rows:
        raise RuntimeError(f"baseline wrote {count} rows, expected {rows}")
    return {"seconds": seconds, "read": read, "peak_mb": _peak_mb(), "before_mb": before}


class _closing:
    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    def __enter__(self) -> Any:
        return self.cursor

    def __exit__(self, *exc: object) -> None:
        self.cursor.close()


def _empty_orders() -> None:
    """No orders: each round imports into an empty table (the earlier rounds' documents stay)."""
    from django.db import connection

    from gongxiao.market.models import ChannelOrder

    table = ChannelOrder._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {table} RESTART IDENTITY")
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute(f"DELETE FROM {table}")
            cursor.execute("VACUUM")


def _importer() -> Any:
    from gongxiao.core.excel import IMPORTERS
    from gongxiao.core.models import User
    from gongxiao.market.models import Channel

    channel = Channel.objects.get(code="ABC")
    return IMPORTERS[f"channel_orders:{channel.pk}"](User.objects.get(username="clerk_a")), channel


def _worker_import(path: str, rows: int, profile_to: str = "") -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Sum

    from gongxiao.core import excel
    from gongxiao.core.excel import run_import
    from gongxiao.market import actions
    from gongxiao.market.integrity import channel_orders_match_documents
    from gongxiao.market.models import ChannelOrder
    from gongxiao.market.statistics import summed

    _empty_orders()
    importer, channel = _importer()
    connection.ensure_connection()
    marks: dict[str, float] = {}
    read_rows, create, post_sales = excel.read_rows, importer.create, actions.post_sales

    def timed_read(file: Any) -> Any:
        rows = read_rows(file)
        marks["read"] = time.perf_counter()
        return rows

    def timed_create(rows: Any) -> None:
        marks["create"] = time.perf_counter()
        create(rows)

    def timed_post(*args: Any, **kwargs: Any) -> Any:
        begun = time.perf_counter()
        document = post_sales(*args, **kwargs)
        marks["document"] = time.perf_counter() - begun
        return document

    excel.read_rows = timed_read  # run_import looks read_rows up in its module at each call
    importer.create = timed_create  # type: ignore[method-assign]
    actions.post_sales = timed_post  # the importer calls it through the module
    before = _peak_mb()
    profiler = None
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    result = run_import(importer, path, dry_run=False)
    ended = time.perf_counter()
    if profiler is not None:
        profiler.disable()
    peak = _peak_mb()
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
    report: dict[str, Any] = {
        "seconds": ended - started,
        "read": marks["read"] - started,
        "check": marks["create"] - marks["read"],
        "write": ended - marks["create"],
        "document": marks["document"],
        "orders": sales.values("order_no").distinct().count(),
        "lines": document.lines.count(),
        "peak_mb": peak,
        "before_mb": before,
    }
    if profiler is not None:
        import io
        import pstats

        profiler.dump_stats(profile_to)
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text).strip_dirs()
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(30)
        report["profile"] = text.getvalue()
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


def _worker_main(argv: list[str]) -> None:
    task, args = argv[0], argv[1:]
    _setup_django()
    if task == "setup":
        result = _worker_setup()
    elif task == "baseline":
        result = _worker_baseline(args[0], int(args[1]))
    elif task == "import":
        result = _worker_import(args[0], int(args[1]), *args[2:])
    elif task == "reimport":
        result = _worker_reimport(args[0], int(args[1]))
    else:
        raise SystemExit(f"unknown worker task {task!r}")
    print(RESULT_MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker_main(sys.argv[2:])
    else:
        # run just this bench: python benchmarks/bench_channel_import.py [--quick] ...
        sys.path.insert(0, str(HERE))
        from run import main

        raise SystemExit(main(sys.argv[1:], only=["channel_import"]))

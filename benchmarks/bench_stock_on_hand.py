"""Stock on hand: 1,000 products x 50 locations after 1,000,000 moves, against a bare SQL read.

For each backend (SQLite in a temporary file; PostgreSQL in a throw-away database, skipped when
nothing answers at 127.0.0.1:5432) the parent process starts worker subprocesses of this same file,
each with its own DATABASE_URL (Django settings are per process):

* ``setup``    -- migrate, build the small county, 1,000 products, 50 locations (half in each
                  coop), 1,000,000 stock moves written with COPY (PostgreSQL) or one executemany
                  (SQLite), and the 50,000 balances they add up to; then the integrity check
                  ``stock_balances_match_moves`` must find nothing;
* ``baseline`` -- a bare ``SELECT location_id, product_id, batch_id, quantity, value`` of the balance
                  table, joined to nothing: one location's rows, and the whole table;
* ``app``      -- the application's reads of the same rows: the SQL of the stock API's rows, their
                  queryset, the API endpoint itself page after page (a Django test Client with an
                  API token), the stock page's queryset as objects (what its Excel export reads),
                  and the stock page's first and last page (test Client, logged in).

Reads only: the data is built once per backend and every worker reads it. Each worker warms each
read up once, then times it a few times and keeps the best; baseline and app workers alternate for
a few rounds (the machine is shared). The ratio is best read / best baseline; the median of the
per-round ratios is shown too.
"""

from __future__ import annotations

import random
import time
from typing import Any

from _common import (
    OUT,
    bench_main,
    median_ratio,
    on_each_backend,
    profile_text,
    verdict,
    worker_for,
)

TITLE = "stock on hand"
PRODUCTS, LOCATIONS, MOVES = 1_000, 50, 1_000_000
QUICK_PRODUCTS, QUICK_LOCATIONS, QUICK_MOVES = 200, 10, 40_000
TARGET = 1.5
API_PAGE_SIZE = 1000  # what a client reading the whole stock asks for (the API's largest page)

# the reads, in the order of the summary table: key -> (label, which baseline it is held against)
READS = {
    "sql": ("API's SQL, bare cursor", "all"),
    "queryset": ("API's queryset", "all"),
    "api": ("API, every page", "all"),
    "objects": ("page queryset as objects", "nonzero"),
    "page": ("stock page, first/last", ""),
}
# one location as its coop's clerk; every location as the county leader
SCOPES = ("location", "all")

# product names: (category, business, base unit, names, specifications)
CATALOG = [
    ("urea", "agri_input", "kg", ["尿素", "大颗粒尿素", "缓释尿素"], ["46%", "46.4%"]),
    (
        "compound",
        "agri_input",
        "kg",
        ["复合肥", "硫酸钾复合肥", "水溶肥"],
        ["15-15-15", "17-17-17", "20-10-10"],
    ),
    ("potash", "agri_input", "kg", ["氯化钾", "硫酸钾"], ["60%", "50%"]),
    ("phosphate", "agri_input", "kg", ["过磷酸钙", "钙镁磷肥"], ["12%", "16%"]),
    ("organic", "agri_input", "kg", ["商品有机肥", "生物有机肥"], ["40kg", "25kg"]),
    (
        "pesticide",
        "agri_input",
        "piece",
        ["吡虫啉", "草甘膦", "阿维菌素", "多菌灵"],
        ["100ml", "200g", "500ml"],
    ),
    ("seed", "agri_input", "kg", ["杂交水稻种子", "玉米种子", "油菜种子"], ["1kg", "2kg"]),
    ("film", "agri_input", "kg", ["地膜", "棚膜"], ["0.01mm", "0.08mm"]),
    ("tools", "agri_input", "piece", ["锄头", "喷雾器", "铁锹"], ["", "16L"]),
    ("grain_oil", "consumer_goods", "piece", ["大米", "菜籽油", "面粉"], ["5kg", "10kg", "5L"]),
    ("processed", "farm_produce", "piece", ["香菇干", "绿茶", "笋干"], ["250g", "500g"]),
    ("daily", "consumer_goods", "piece", ["洗衣粉", "肥皂", "卫生纸"], ["1kg", "10卷"]),
]
BRANDS = ["丰收", "青山", "金穗", "绿源", "田园", "农家乐", "稻花香", "春雨"]
COOP_A_PLACES = ["桥头", "上村", "下村", "东山", "西岭"]
COOP_B_PLACES = ["溪口", "石门", "大坪", "龙井", "白鹤"]


# ---------------------------------------------------------------- the parent


_worker = worker_for(__file__)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}" if seconds < 1 else f"{seconds * 1000:,.0f}"


def _measure(
    backend: str,
    url: str,
    directory: str,
    size: tuple[int, int, int],
    rounds: int,
    quick: bool,
    profile: bool,
) -> list[dict[str, Any]]:
    products, locations, moves = size
    full = products == PRODUCTS and locations == LOCATIONS and moves >= MOVES
    repeats = "3" if quick else "7"
    built = _worker("setup", url, directory, str(products), str(locations), str(moves))
    print(
        f"  {backend}: built {built['moves']:,} moves and {built['balances']:,} balances"
        f" ({built['zero']:,} at zero) in {built['catalog_s'] + built['write_s'] + built['analyze_s']:.1f} s"
        f" (moves and balances {built['write_s']:.1f} s); integrity check OK in {built['integrity_s']:.1f} s",
        flush=True,
    )
    baselines: list[dict[str, Any]] = []
    reads: list[dict[str, Any]] = []
    for round_number in range(1, rounds + 1):
        baselines.append(_worker("baseline", url, directory, repeats))
        reads.append(_worker("app", url, directory, repeats))
        base, app = baselines[-1], reads[-1]
        parts = []
        for scope in SCOPES:
            parts.append(
                f"{scope}: bare {_ms(base[scope]['all']['seconds'])} ms, "
                + ", ".join(f"{key} {_ms(app[scope][key]['seconds'])}" for key in READS)
            )
        print(f"  {backend} round {round_number}/{rounds} (ms): " + "; ".join(parts), flush=True)
    if profile:
        out = OUT / f"stock_on_hand_{backend}.prof"
        OUT.mkdir(parents=True, exist_ok=True)
        report = _worker("app", url, directory, "1", str(out))
        print(f"  {backend}: profile of the API read of one location in {out}")
        print(report["profile"])
    _check_same_rows(backend, baselines + reads)
    results: list[dict[str, Any]] = []
    for scope in SCOPES:
        for key, (label, against) in READS.items():
            best = min(r[scope][key]["seconds"] for r in reads)
            row: dict[str, Any] = {
                "bench": TITLE,
                "backend": backend,
                "scope": scope,
                "rows": f"{reads[0][scope][key]['rows']:,}",
                "read": label,
            }
            if against:
                best_base = min(b[scope][against]["seconds"] for b in baselines)
                ratio = best / best_base
                paired = median_ratio(
                    [r[scope][key]["seconds"] for r in reads],
                    [b[scope][against]["seconds"] for b in baselines],
                )
                row.update(
                    {
                        "bare ms": _ms(best_base),
                        "read ms": _ms(best),
                        "ratio": f"{ratio:.1f}x",
                        "ratio per round": f"{paired:.1f}x",
                    }
                )
            else:  # the page: 25 rows, first and last page
                last = min(r[scope][key]["last_seconds"] for r in reads)
                row.update({"bare ms": "", "read ms": f"{_ms(best)} / {_ms(last)}", "ratio": ""})
            row["queries"] = reads[0][scope][key]["queries"]
            if not against:
                row[f"target ≤ {TARGET:.1f}x"] = "n/a (25 rows a page; time shown)"
            else:
                row[f"target ≤ {TARGET:.1f}x"] = verdict(
                    ratio <= TARGET, full, f"the target is for {PRODUCTS:,} x {LOCATIONS}, {MOVES:,} moves"
                )
            results.append(row)
    return results


def _check_same_rows(backend: str, reports: list[dict[str, Any]]) -> None:
    """Every read must have read what its baseline read: the same rows, the same total quantity."""
    expected: dict[tuple[str, str], tuple[int, str]] = {}
    for report in reports:
        for scope in SCOPES:
            for key, result in report[scope].items():
                against = READS[key][1] if key in READS else key  # a baseline's key is its own
                if not against:
                    continue
                seen = (result["rows"], result["quantity"])
                if expected.setdefault((scope, against), seen) != seen:
                    raise RuntimeError(
                        f"{backend} {scope}: {key} read {seen[0]} rows of total quantity {seen[1]},"
                        f" the bare read {expected[(scope, against)]}"
                    )


def run(options: Any) -> list[dict[str, Any]]:
    """Called by benchmarks/run.py; returns one summary row per backend, scope and read."""
    if options.quick:
        products, locations, moves = QUICK_PRODUCTS, QUICK_LOCATIONS, QUICK_MOVES
    else:
        products, locations, moves = PRODUCTS, LOCATIONS, MOVES
    moves = options.rows or moves  # --rows: the number of moves
    if moves < products * locations:
        raise ValueError(f"--rows: at least {products * locations:,} moves, one for each balance")
    rounds = options.rounds or (1 if options.quick else 3)
    size = (products, locations, moves)

    def measure(backend: str, url: str, directory: str) -> list[dict[str, Any]]:
        return _measure(backend, url, directory, size, rounds, options.quick, options.profile)

    return on_each_backend(options, TITLE, "gongxiao_bench_soh", measure)


# ---------------------------------------------------------------- the workers


def _cents(value: int) -> str:
    """An amount in cents as the decimal text the database reads."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100}.{value % 100:02d}"


def _simulate(keys: list[tuple[int, int]], moves: int, costs: dict[int, int], seed: int) -> Any:
    """Moves for each (location, product), key after key, and the balance each key ends with.

    Quantities are whole base units; values are in cents and unit costs in 1/10,000 yuan, with the
    rounding of `gongxiao.commerce.stock.apply_moves` (a receipt at its cost; an issue at the moving
    average; the last unit out takes the rest of the value). Yields move tuples
    (when, location_id, product_id, kind, quantity, unit_cost_e4, value_cents), `when` in [0, 1):
    each key's moves spread over the whole period, in order; the balances dict is filled as the
    generator runs.
    """
    rng = random.Random(seed)
    times = random.Random(seed + 1)  # its own generator: the quantities do not depend on the times
    per_key = moves // len(keys)
    extra = moves - per_key * len(keys)
    counts = [per_key + (1 if i < extra else 0) for i in range(len(keys))]
    # vary the number of moves per key (fast movers, slow movers), keeping the total
    for i in range(0, len(keys) - 1, 2):
        shift = rng.randint(0, max(counts[i] - 1, 0) // 2)
        counts[i] -= shift
        counts[i + 1] += shift
    balances: dict[tuple[int, int], tuple[int, int]] = {}

    def generate() -> Any:
        for (location_id, product_id), count in zip(keys, counts, strict=True):
            base_cost = costs[product_id]
            quantity, value = 0, 0
            sell_out = rng.random() < 0.03
            for step in range(count):
                last = step == count - 1
                if quantity > 0 and (last and sell_out):
                    kind, delta = "sale", -quantity
                elif quantity > 0 and rng.random() < 0.62:
                    kind = "sale" if rng.random() < 0.85 else "transfer_out"
                    delta = -rng.randint(1, max(1, quantity // 3))
                else:
                    kind = "receipt" if rng.random() < 0.8 else "transfer_in"
                    delta = rng.randint(20, 400)
                if rng.random() < 0.02 and quantity > 5 and not last:
                    kind, delta = "stocktake", rng.choice((-2, -1, 1))
                if delta > 0:
                    if kind == "receipt":
                        unit_cost = base_cost + rng.randint(-base_cost // 10, base_cost // 10)
                    else:
                        unit_cost = value * 100 // quantity if quantity > 0 else base_cost
                    delta_value = (delta * unit_cost + 50) // 100  # cents, half up (positive)
                else:
                    unit_cost = value * 100 // quantity  # quantity > 0 here
                    if quantity + delta == 0:
                        delta_value = -value
                    else:
                        delta_value = -((-delta * unit_cost + 50) // 100)
                quantity += delta
                value += delta_value
                when = (step + times.random()) / count
                yield (when, location_id, product_id, kind, delta, unit_cost, delta_value)
            balances[(location_id, product_id)] = (quantity, value)

    return generate(), balances


def _worker_setup(products: int, locations: int, moves: int) -> dict[str, Any]:
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection, transaction

    from gongxiao.commerce.integrity import stock_balances_match_moves
    from gongxiao.commerce.models import Location, Product, StockBalance, StockMove
    from gongxiao.core.pinyin import initials
    from gongxiao.core.testing import small_county

    report: dict[str, Any] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    county = small_county()
    rng = random.Random(20240917)
    catalog = []
    for i in range(products):
        category, business, unit, names, specs = CATALOG[i % len(CATALOG)]
        name = f"{BRANDS[(i // len(CATALOG)) % len(BRANDS)]}{rng.choice(names)}"
        catalog.append(
            Product(
                organization=county.federation,
                code=f"P{i + 1:05d}",
                name=name,
                pinyin=initials(name),
                business=business,
                category=category,
                specification=rng.choice(specs),
                base_unit=unit,
                price=f"{rng.randint(200, 20000) / 100:.2f}",
                registration_no=f"PD2019{i:05d}" if category == "pesticide" else "",
            )
        )
    Product.objects.bulk_create(catalog, batch_size=1000)
    kinds = ["warehouse", "store", "store", "store", "truck"]
    places = []
    for i in range(locations):
        coop, names, prefix = (
            (county.coop_a, COOP_A_PLACES, "A") if i % 2 == 0 else (county.coop_b, COOP_B_PLACES, "B")
        )
        kind = kinds[(i // 2) % len(kinds)]
        label = {"warehouse": "仓库", "store": "门店", "truck": "流动车"}[kind]
        places.append(
            Location(
                organization=coop,
                code=f"{prefix}-{i + 1:03d}",
                name=f"{names[(i // 2) % len(names)]}{label}{i // 2 + 1}",
                kind=kind,
            )
        )
    Location.objects.bulk_create(places)
    product_ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    location_ids = list(Location.objects.order_by("pk").values_list("pk", flat=True))
    costs = {pk: rng.randint(200, 20000) * 100 for pk in product_ids}  # 1/10,000 yuan
    keys = [(location_id, product_id) for location_id in location_ids for product_id in product_ids]
    report["catalog_s"] = time.perf_counter() - started

    started = time.perf_counter()
    generated, balances = _simulate(keys, moves, costs, seed=7)
    first = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    period = 2 * 365 * 86400  # two years of trading, in seconds
    moves_table = StockMove._meta.db_table
    columns = "created_at, location_id, product_id, batch_id, kind, quantity, unit_cost, value, document_id"
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {moves_table} ({columns}) FROM STDIN") as copy:
                    chunk: list[str] = []
                    for share, location_id, product_id, kind, quantity, cost, value in generated:
                        when = first + dt.timedelta(seconds=share * period)
                        chunk.append(
                            f"{when.isoformat()}\t{location_id}\t{product_id}\t\\N\t{kind}\t{quantity}"
                            f"\t{cost / 10000:.4f}\t{_cents(value)}\t\\N\n"
                        )
                        if len(chunk) >= 20_000:
                            copy.write("".join(chunk))
                            chunk.clear()
                    copy.write("".join(chunk))
            else:
                adapt = connection.ops.adapt_datetimefield_value
                cursor.executemany(
                    f"INSERT INTO {moves_table} ({columns}) VALUES (?, ?, ?, NULL, ?, ?, ?, ?, NULL)",
                    (
                        (
                            adapt(first + dt.timedelta(seconds=share * period)),
                            location_id,
                            product_id,
                            kind,
                            str(quantity),
                            f"{cost / 10000:.4f}",
                            _cents(value),
                        )
                        for share, location_id, product_id, kind, quantity, cost, value in generated
                    ),
                )
        StockBalance.objects.bulk_create(
            [
                StockBalance(
                    location_id=location_id,
                    product_id=product_id,
                    batch_key=0,
                    quantity=quantity,
                    value=_cents(value),
                )
                for (location_id, product_id), (quantity, value) in balances.items()
            ],
            batch_size=5000,
        )
    report["write_s"] = time.perf_counter() - started

    started = time.perf_counter()
    if connection.vendor == "postgresql":  # as autovacuum would soon after such a load
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    # SQLite: no ANALYZE, as nothing runs it in production (the plans use the same indexes either way)
    report["analyze_s"] = time.perf_counter() - started

    started = time.perf_counter()
    problems = stock_balances_match_moves()
    report["integrity_s"] = time.perf_counter() - started
    if problems:
        raise RuntimeError(
            f"the built data fails the integrity check: {len(problems)} problems, {problems[:5]}"
        )
    report["moves"] = StockMove.objects.count()
    report["balances"] = StockBalance.objects.count()
    report["zero"] = StockBalance.objects.filter(quantity=0).count()
    if report["moves"] != moves or report["balances"] != products * locations:
        raise RuntimeError(f"built {report['moves']} moves and {report['balances']} balances")
    return report


def _timed(read: Any, repeats: int, warm: bool = True) -> tuple[float, Any, int]:
    """The best time of `repeats` calls of read() (after one untimed call when `warm`), the last
    result, and the number of SQL queries the last call sent."""
    from django.db import connection

    queries = 0

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal queries
        queries += 1
        if "commerce_stockmove" in sql:  # stock on hand comes from the balances, never from the moves
            raise RuntimeError(f"a stock-on-hand read queried the moves: {sql[:300]}")
        return execute(sql, params, many, context)

    if warm:
        read()
    best, result = float("inf"), None
    for number in range(repeats):
        started = time.perf_counter()
        if number == repeats - 1:
            with connection.execute_wrapper(counter):
                result = read()
        else:
            result = read()
        best = min(best, time.perf_counter() - started)
    return best, result, queries


def _total(quantities: Any) -> str:
    from decimal import Decimal

    return str(sum((Decimal(str(q)) for q in quantities), Decimal(0)).quantize(Decimal("0.001")))


def _bench_location() -> Any:
    from gongxiao.commerce.models import Location

    return Location.objects.get(code="A-001")  # the first location of coop A (桥头供销社)


def _worker_baseline(repeats: int) -> dict[str, Any]:
    from django.db import connection

    from gongxiao.commerce.models import StockBalance

    location = _bench_location()
    table = StockBalance._meta.db_table
    report: dict[str, Any] = {}
    for scope in SCOPES:
        report[scope] = {}
        for variant in ("all", "nonzero"):
            conditions = ["location_id = %s"] if scope == "location" else []
            if variant == "nonzero":
                conditions.append("quantity <> 0")
            where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
            sql = f"SELECT location_id, product_id, batch_id, quantity, value FROM {table}{where}"
            params = [location.pk] if scope == "location" else []

            def read(sql: str = sql, params: list[int] = params) -> list[tuple[Any, ...]]:
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    return cursor.fetchall()

            seconds, rows, queries = _timed(read, repeats if scope == "location" else 3)
            report[scope][variant] = {
                "seconds": seconds,
                "rows": len(rows),
                "quantity": _total(row[3] for row in rows),
                "queries": queries,
            }
    return report


def _worker_app(repeats: int, profile_to: str = "") -> dict[str, Any]:
    from django.db import connection
    from django.test import Client, RequestFactory

    from gongxiao.commerce import api, views
    from gongxiao.commerce.models import Location
    from gongxiao.core.models import ApiToken, User

    location = _bench_location()
    clerk = User.objects.get(username="clerk_a")
    leader = User.objects.get(username="county_leader")
    readers = {
        "location": (clerk, {"location_id": location.pk}, {"location": location.pk}),
        "all": (leader, {}, {}),
    }
    report: dict[str, Any] = {}
    for scope, (user, api_params, page_params) in readers.items():
        _token, key = ApiToken.issue(user, "bench")
        api_client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {key}")
        page_client = Client(HTTP_HOST="localhost")
        page_client.force_login(user)

        def api_queryset(user: Any = user, api_params: dict[str, Any] = api_params) -> Any:
            request = RequestFactory().get("/api/stock", api_params)
            request.user = user
            # the view's queryset (without its pagination), as the rows the API gives: every row at once
            return api.balance_rows(api.list_stock.__wrapped__(request, **api_params))

        sql, params = api_queryset().query.sql_with_params()  # compiled once: the database's part alone
        # and the scope's own statement, the user's location ids, which list_stock reads first
        scope_sql = (
            None
            if user.sees_all_organizations
            else Location.objects.visible_to(user).values_list("pk", flat=True).query.sql_with_params()
        )

        def read_sql(sql: str = sql, params: Any = params, scope_sql: Any = scope_sql) -> dict[str, Any]:
            with connection.cursor() as cursor:
                if scope_sql is not None:
                    cursor.execute(*scope_sql)
                    cursor.fetchall()
                cursor.execute(sql, params)
                rows = cursor.fetchall()
                column = [c[0] for c in cursor.description].index("quantity")
            return {"rows": len(rows), "quantity": _total(row[column] for row in rows)}

        def read_queryset(api_queryset: Any = api_queryset) -> dict[str, Any]:
            rows = list(api_queryset())
            return {"rows": len(rows), "quantity": _total(row["quantity"] for row in rows)}

        def read_api(client: Any = api_client, api_params: dict[str, Any] = api_params) -> dict[str, Any]:
            items: list[dict[str, Any]] = []
            page = 1
            while True:
                response = client.get("/api/stock", {**api_params, "page": page, "page_size": API_PAGE_SIZE})
                if response.status_code != 200:
                    raise RuntimeError(
                        f"/api/stock page {page}: {response.status_code} {response.content[:300]!r}"
                    )
                body = response.json()
                items.extend(body["items"])
                if not body["items"] or len(items) >= body["count"]:
                    break
                page += 1
            return {
                "rows": len(items),
                "quantity": _total(item["quantity"] for item in items),
                "requests": page,
            }

        def read_objects(user: Any = user, page_params: dict[str, Any] = page_params) -> dict[str, Any]:
            # what the page's Excel export reads: its queryset, filtered and sorted, every column's value
            request = RequestFactory().get("/trade/stock/", page_params)
            request.user = user
            page = views.StockList(request)
            queryset, _filterset = page.filtered()
            queryset = queryset.order_by(page.ordering(), "pk")
            rows, quantities = 0, []
            for balance in queryset.iterator(chunk_size=2000):
                [column.value(balance) for column in views.StockList.columns]
                rows += 1
                quantities.append(balance.quantity)
            return {"rows": rows, "quantity": _total(quantities)}

        def read_page(
            client: Any = page_client, page_params: dict[str, Any] = page_params, page: Any = 1
        ) -> int:
            response = client.get("/trade/stock/", {**page_params, "page": page})
            if response.status_code != 200 or b'data-testid="list-table"' not in response.content:
                raise RuntimeError(f"/trade/stock/ page {page}: {response.status_code}")
            return response.content.count(b"<tr>") - 1  # the header row

        n = repeats if scope == "location" else 3
        results: dict[str, Any] = {}
        for key, read, times in [
            ("sql", read_sql, n),
            ("queryset", read_queryset, n),
            ("api", read_api, repeats if scope == "location" else 1),
            ("objects", read_objects, n if scope == "location" else 2),
        ]:
            seconds, result, queries = _timed(read, times, warm=not (scope == "all" and key == "api"))
            results[key] = {"seconds": seconds, **result, "queries": queries}
        seconds, rows, queries = _timed(read_page, repeats)
        last_seconds, _rows, _queries = _timed(
            lambda: read_page(page=10**9), repeats
        )  # past the end: the last page
        results["page"] = {"seconds": seconds, "last_seconds": last_seconds, "rows": rows, "queries": queries}
        results["api"]["queries"] = (
            f"{results['api']['queries']} in {results['api'].pop('requests')} requests"
        )
        results["page"]["queries"] = f"{results['page']['queries']} a page"
        report[scope] = results
        if profile_to and scope == "location":
            report["profile"] = _profile(read_api, profile_to)
            return report
    return report


def _profile(read: Any, profile_to: str) -> str:
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    read()
    profiler.disable()
    return profile_text(profiler, profile_to, tottime=20)


WORKER_TASKS: dict[str, Any] = {
    "setup": lambda args: _worker_setup(int(args[0]), int(args[1]), int(args[2])),
    "baseline": lambda args: _worker_baseline(int(args[0])),
    "app": lambda args: _worker_app(int(args[0]), *args[1:]),
}

if __name__ == "__main__":
    # a worker (--worker TASK ARGS), or just this bench: python benchmarks/bench_stock_on_hand.py [--quick] ...
    raise SystemExit(bench_main("stock_on_hand", WORKER_TASKS))

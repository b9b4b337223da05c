"""Counter checkouts per second through the HTTP API on PostgreSQL, against a one-row-insert baseline.

The parent process makes a throw-away PostgreSQL database (skipped with a note when nothing answers
at 127.0.0.1:5432), and a ``setup`` worker subprocess migrates it and builds five chain stores of
five base coops (as the demo county), each with a licence, a store clerk and a lot of stock, and the
API tokens of 20 clients. Then it starts gunicorn as ``gongxiao serve`` does (2 workers x 4 threads)
with the benchmarks-only settings ``bench_site.settings``: Gongxiao's URLs plus
``POST /bench/insert-one/``, a plain view that parses the JSON body and inserts one row.

20 client threads (``http.client``, keep-alive, ``Authorization: Bearer`` tokens; 4 per store) then
run timed phases, baseline and checkout alternating for a few rounds (the machine is shared):

* ``baseline`` -- POST the sale's JSON to ``/bench/insert-one/``: one INSERT, one commit;
* ``checkout`` -- ``POST /api/supply/checkout``: three lines (a 50 kg bag of fertilizer by its
  package, a daily good, a pesticide with its real-name buyer) and a split payment; every answer
  must be 201.

Then the oversell phase: the 20 clients race to sell the last N units of one product at one store
(three-line sales whose daily good is that product); exactly N must succeed, every other answer
must be 409 with the stock message. A ``verify`` worker then checks the ledger with the integrity
check (balances = sum of moves, no negative balance) and counts the sales, moves and real-name
records against the answers the clients got. ``--profile`` (or a ratio under the target) runs a
``profile`` worker: checkouts in-process under cProfile, with the SQL time and queries per checkout.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from _common import (
    HERE,
    OUT,
    PROJECT,
    bench_main,
    median_ratio,
    postgres_answers,
    postgres_skipped,
    setup_worker,
    throwaway_postgres,
    var_dir,
    worker_env,
    worker_for,
)

TITLE = "counter checkouts"
TARGET = 0.40  # checkout req/s ≥ 40 % of the baseline's
CLIENTS = 20
STORES = 5
WORKERS, THREADS = 2, 4  # `gongxiao serve`'s defaults
SECONDS, QUICK_SECONDS = 15.0, 3.0  # per measured phase
ROUNDS, QUICK_ROUNDS = 3, 1
RACE_UNITS, QUICK_RACE_UNITS = 100, 20
WARMUP_SECONDS = 2.0

PRICES = {"fertilizer": Decimal("3.20"), "daily": Decimal("9.90"), "pesticide": Decimal("4.00")}
BAG_KG = Decimal("50")


# ---------------------------------------------------------------- the parent


# the workers' and gunicorn's: the benchmarks-only settings (with /bench/insert-one/)
BENCH_SITE_ENV = {
    "DJANGO_SETTINGS_MODULE": "bench_site.settings",
    "PYTHONPATH": os.pathsep.join([str(HERE), str(PROJECT)]),
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
}
_worker = worker_for(__file__, **BENCH_SITE_ENV)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with `gongxiao serve`'s arguments (without its migrate and collectstatic)."""

    def __init__(self, url: str, var_dir: str) -> None:
        self.port = _free_port()
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        self.log = open(Path(var_dir) / "gunicorn.log", "w+b")  # closed in stop()
        self.process = subprocess.Popen(
            [
                gunicorn,
                "gongxiao.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(WORKERS),
                "--threads",
                str(THREADS),
                "--timeout",
                "120",
            ],
            env=worker_env(url, var_dir, **BENCH_SITE_ENV),
            cwd=PROJECT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.tail()}")
            try:
                status, _body = _request(self.connection(), "GET", "/login/", None, {})
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer in 60 s: {self.tail()}")
            time.sleep(0.3)

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def worker_cpu(self) -> float:
        """CPU seconds used so far by gunicorn's worker processes (user + system)."""
        total = 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        for pid in _children(self.process.pid):
            try:
                fields = _stat(pid)
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def tail(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # the session of the gunicorn started above
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def _stat(pid: int | str) -> list[str]:
    """/proc/PID/stat after the command name: [state, ppid, ...]; utime is [11], cutime [13]."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _cpu_snapshot() -> dict[str, float]:
    """The machine's busy and total CPU seconds, and PostgreSQL's CPU seconds (every process of the
    server, other databases' included; backends that ended are in the postmaster's children times)."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    postgres = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() not in ("postgres", "postmaster"):
                continue
            stat = _stat(entry.name)
        except OSError:
            continue
        postgres += int(stat[11]) + int(stat[12])
        parent = Path(f"/proc/{stat[1]}/comm")
        if not parent.exists() or parent.read_text().strip() not in ("postgres", "postmaster"):
            postgres += int(stat[13]) + int(stat[14])  # the postmaster: its ended children
    return {"busy": (sum(fields) - idle) / ticks, "total": sum(fields) / ticks, "postgres": postgres / ticks}


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _request(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: bytes | None,
    headers: dict[str, str],
) -> tuple[int, bytes]:
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def _text(body: bytes) -> str:
    try:
        return json.dumps(json.loads(body), ensure_ascii=False)[:500]
    except ValueError:
        return body[:500].decode(errors="replace")


class Client(threading.Thread):
    """One counter: posts its request again and again until the deadline, or until told to stop."""

    def __init__(
        self, server: Server, path: str, body: bytes, token: str, start: threading.Barrier, seconds: float
    ) -> None:
        super().__init__(daemon=True)
        self.server, self.path, self.body, self.start_together, self.seconds = (
            server,
            path,
            body,
            start,
            seconds,
        )
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.unexpected: list[str] = []
        self.stop_on: int | None = None  # the race: stop at the first answer with this status

    def run(self) -> None:
        connection = self.server.connection()
        self.start_together.wait()
        deadline = time.monotonic() + self.seconds
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                status, body = _request(connection, "POST", self.path, self.body, self.headers)
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                connection = self.server.connection()
                self.unexpected.append(f"{type(exc).__name__}: {exc}")
                continue
            self.latencies.append(time.perf_counter() - started)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status not in (200, 201, 409) or (status == 409 and self.stop_on != 409):
                self.unexpected.append(f"{status}: {_text(body)}")
            elif status == 409 and "库存不足" not in _text(body):
                self.unexpected.append(f"409 without the stock message: {_text(body)}")
            if self.stop_on is not None and status == self.stop_on:
                break
        connection.close()


def _phase(server: Server, kind: str, config: dict[str, Any], seconds: float) -> dict[str, Any]:
    """All 20 clients for `seconds`: requests per second, latencies, CPU of the server and the clients."""
    path = "/api/supply/checkout" if kind == "checkout" else "/bench/insert-one/"
    barrier = threading.Barrier(len(config["clients"]) + 1)
    clients = [
        Client(server, path, json.dumps(c["sale"]).encode(), c["token"], barrier, seconds)
        for c in config["clients"]
    ]
    for client in clients:
        client.start()
    barrier.wait()
    cpu_server, cpu_clients, before = server.worker_cpu(), time.process_time(), _cpu_snapshot()
    started = time.perf_counter()
    for client in clients:
        client.join()
    elapsed = time.perf_counter() - started
    cpu_server, cpu_clients = server.worker_cpu() - cpu_server, time.process_time() - cpu_clients
    after = _cpu_snapshot()
    problems = [problem for client in clients for problem in client.unexpected]
    if problems:
        raise RuntimeError(f"{kind}: {len(problems)} unexpected answers, e.g. {problems[:3]}")
    latencies = sorted(latency for client in clients for latency in client.latencies)
    count = len(latencies)
    return {
        "kind": kind,
        "requests": count,
        "per_second": count / elapsed,
        "p50_ms": 1000 * latencies[count // 2],
        "p95_ms": 1000 * latencies[int(count * 0.95)],
        "server_cpu_ms": 1000 * cpu_server / count,
        "client_cpu_ms": 1000 * cpu_clients / count,
        "postgres_cpu_ms": 1000 * (after["postgres"] - before["postgres"]) / count,
        "machine_busy": (after["busy"] - before["busy"]) / (after["total"] - before["total"]),
    }


def _race(server: Server, config: dict[str, Any]) -> dict[str, Any]:
    """20 clients sell the last N units of one product at one store, one unit a sale, as fast as they can."""
    race = config["race"]
    barrier = threading.Barrier(len(race["tokens"]) + 1)
    body = json.dumps(race["sale"]).encode()
    clients = [Client(server, "/api/supply/checkout", body, token, barrier, 300) for token in race["tokens"]]
    for client in clients:
        client.stop_on = 409  # the stock only goes down: after one refusal, every later sale is refused
        client.start()
    barrier.wait()
    for client in clients:
        client.join()
    problems = [problem for client in clients for problem in client.unexpected]
    if problems:
        raise RuntimeError(f"race: {len(problems)} unexpected answers, e.g. {problems[:3]}")
    sold = sum(client.statuses.get(201, 0) for client in clients)
    refused = sum(client.statuses.get(409, 0) for client in clients)
    return {"units": race["units"], "sold": sold, "refused": refused}


def _measure(url: str, seconds: float, rounds: int, race_units: int, profile: bool) -> dict[str, Any]:
    with var_dir() as directory:
        done = f"built {STORES} stores, {CLIENTS} clients"
        config = setup_worker(_worker, "postgres", url, directory, done, str(race_units))
        server = Server(url, directory)
        try:
            for kind in ("baseline", "checkout"):  # both workers import and connect everything once
                _phase(server, kind, config, WARMUP_SECONDS)
            phases: dict[str, list[dict[str, Any]]] = {"baseline": [], "checkout": []}
            for round_number in range(1, rounds + 1):
                for kind in ("baseline", "checkout"):
                    phases[kind].append(_phase(server, kind, config, seconds))
                base, sale = phases["baseline"][-1], phases["checkout"][-1]
                print(f"  round {round_number}/{rounds} (load average {os.getloadavg()[0]:.1f}):", flush=True)
                for phase in (base, sale):
                    print(
                        f"    {phase['kind']:8} {phase['per_second']:4.0f} req/s, p50 {phase['p50_ms']:4.0f} ms,"
                        f" p95 {phase['p95_ms']:4.0f} ms; CPU ms/req: gunicorn {phase['server_cpu_ms']:.1f},"
                        f" postgres {phase['postgres_cpu_ms']:.1f}, clients {phase['client_cpu_ms']:.1f};"
                        f" machine busy {100 * phase['machine_busy']:.0f} %",
                        flush=True,
                    )
            race = _race(server, config)
            print(
                f"  race: {race['sold']} of the last {race['units']} sold, {race['refused']} refused",
                flush=True,
            )
        finally:
            server.stop()
        verdict = _worker("verify", url, directory, json.dumps(config["race"]["location_id"]))
        best_base = max(phases["baseline"], key=lambda p: p["per_second"])
        best = max(phases["checkout"], key=lambda p: p["per_second"])
        ratio = best["per_second"] / best_base["per_second"]
        paired = median_ratio(
            [s["per_second"] for s in phases["checkout"]], [b["per_second"] for b in phases["baseline"]]
        )
        report = None
        if profile or ratio < TARGET:
            out = OUT / "counter_checkout.prof"
            OUT.mkdir(parents=True, exist_ok=True)
            report = _worker("profile", url, directory, str(out), "150" if seconds < SECONDS else "400")
    oversell = _oversell(race, verdict)
    row = {
        "bench": TITLE,
        "backend": "postgres",
        "server": f"{WORKERS} workers x {THREADS} threads, {CLIENTS} clients",
        "baseline req/s": f"{best_base['per_second']:.0f}",
        "checkout req/s": f"{best['per_second']:.0f}",
        "ratio": f"{100 * ratio:.0f} %",
        "ratio per round": f"{100 * paired:.0f} %",
        "checkout p50/p95 ms": f"{best['p50_ms']:.0f}/{best['p95_ms']:.0f}",
        "app/db CPU ms/checkout": f"{best['server_cpu_ms']:.1f}/{best['postgres_cpu_ms']:.1f}",
        "sales": f"{verdict['sales']:,}",
        "oversell": oversell,
        f"target ≥ {100 * TARGET:.0f} %": "PASS" if ratio >= TARGET else "FAIL",
    }
    if report is not None:
        print(
            f"  profile of {report['checkouts']} checkouts in-process: {report['ms_per_checkout']:.1f} ms each,"
            f" {report['sql_ms_per_checkout']:.1f} ms of it in {report['queries_per_checkout']} SQL statements"
            f" (baseline: {report['baseline_queries']}); the statements of one checkout:"
        )
        for statement in report["statements"]:
            print(f"    {statement}")
        print(f"  cProfile written to {report['profile_path']}")
        print(report["profile"])
        row["queries/checkout"] = str(report["queries_per_checkout"])
    return row


def _oversell(race: dict[str, Any], verdict: dict[str, Any]) -> str:
    problems = list(verdict["problems"])
    if race["sold"] != race["units"]:
        problems.append(f"race: {race['sold']} sales of the last {race['units']} units succeeded")
    if verdict["race_stock"] != "0":
        problems.append(f"race: {verdict['race_stock']} units left")
    if verdict["negative_balances"]:
        problems.append(f"{verdict['negative_balances']} negative balances")
    if problems:
        raise RuntimeError("oversell check failed: " + "; ".join(problems[:10]))
    return f"none ({race['units']} of {race['units']} sold, {race['refused']} refused; ledger = moves)"


def run(options: Any) -> list[dict[str, Any]]:
    """Called by benchmarks/run.py; one summary row."""
    backends = getattr(options, "backend", None) or ["postgres"]
    if "postgres" not in backends:
        return [{"bench": TITLE, "backend": ",".join(backends), "note": "skipped: PostgreSQL only"}]
    if not postgres_answers():
        return [postgres_skipped(TITLE)]
    quick = getattr(options, "quick", False)
    seconds = QUICK_SECONDS if quick else SECONDS
    rounds = getattr(options, "rounds", 0) or (QUICK_ROUNDS if quick else ROUNDS)
    race_units = QUICK_RACE_UNITS if quick else RACE_UNITS
    with throwaway_postgres("gongxiao_bench_counter") as url:
        return [_measure(url, seconds, rounds, race_units, getattr(options, "profile", False))]


# ---------------------------------------------------------------- the workers


def _sale(config: dict[str, Any], outlet_id: int, buyer: dict[str, str], daily_id: int) -> dict[str, Any]:
    """One bag of fertilizer, two daily goods, one pesticide with its buyer; paid in cash and by phone."""
    total = BAG_KG * PRICES["fertilizer"] + 2 * PRICES["daily"] + PRICES["pesticide"]  # 160.00 + 19.80 + 4.00
    return {
        "outlet_id": outlet_id,
        "lines": [
            {"product_id": config["fertilizer"], "package_id": config["bag"], "package_quantity": "1"},
            {"product_id": daily_id, "quantity": "2"},
            {"product_id": config["pesticide"], "quantity": "1", "buyer": buyer},
        ],
        "payments": [
            {"method": "cash", "amount": "150.00"},
            {"method": "mobile", "amount": str(total - Decimal("150.00"))},
        ],
    }


def _worker_setup(race_units: int) -> dict[str, Any]:
    import datetime as dt

    from bench_site.views import TABLE_SQL
    from django.core.management import call_command
    from django.db import connection

    from gongxiao.commerce.actions import DocumentSpec, LineSpec, create_and_confirm
    from gongxiao.commerce.models import Business, Category, Location, Package, Product
    from gongxiao.core import roles
    from gongxiao.core.models import ApiToken, Organization
    from gongxiao.core.testing import make_ric, make_user, small_county
    from gongxiao.network.models import Outlet
    from gongxiao.supply.models import PesticideLicence

    call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as cursor:
        cursor.execute(TABLE_SQL)
    county = small_county()
    coops = [county.coop_a, county.coop_b]
    for number in range(len(coops), STORES):
        coop = Organization.objects.add_child(
            Organization.objects.get(pk=county.federation.pk),
            {
                "code": f"QS-{chr(ord('A') + number)}",
                "name": f"第{number + 1}供销社",
                "kind": Organization.Kind.BASE_COOP,
                "region": county.town,
            },
        )
        coops.append(Organization.objects.get(pk=coop.pk))

    def product(
        code: str, name: str, category: str, business: str, unit: str, price: Decimal, **extra: Any
    ) -> Any:
        return Product.objects.create(
            organization=county.federation,
            code=code,
            name=name,
            category=category,
            business=business,
            base_unit=unit,
            price=price,
            **extra,
        )

    fertilizer = product(
        "F001",
        "复合肥",
        Category.COMPOUND,
        Business.AGRI_INPUT,
        "kg",
        PRICES["fertilizer"],
        specification="15-15-15",
    )
    bag = Package.objects.create(product=fertilizer, name="袋", factor=BAG_KG)
    daily = product("D001", "洗衣粉", Category.DAILY, Business.CONSUMER_GOODS, "piece", PRICES["daily"])
    scarce = product(
        "D002", "菜籽油（促销）", Category.DAILY, Business.CONSUMER_GOODS, "piece", PRICES["daily"]
    )
    pesticide = product(
        "P001",
        "吡虫啉",
        Category.PESTICIDE,
        Business.AGRI_INPUT,
        "piece",
        PRICES["pesticide"],
        registration_no="PD20050011",
        specification="10% 20克",
    )
    config: dict[str, Any] = {"fertilizer": fertilizer.pk, "bag": bag.pk, "pesticide": pesticide.pk}
    buyers = [
        {
            "name": name,
            "id_number": make_ric(dt.date(1981 + i, 3, 1 + i), 11 + i),  # region 330327: born 1981 or later
            "address": f"桥头镇上村 {i + 1} 号",
            "phone": f"1390000000{i}",
            "crop": "水稻",
            "pest": "稻飞虱",
        }
        for i, name in enumerate(["王大山", "李小红", "张建国", "陈秀英", "刘明"])
    ]
    clients, race_tokens = [], []
    race_location_id, race_sale = 0, {}
    for number, coop in enumerate(coops):
        store = Location.objects.create(
            organization=coop,
            code=f"ST-{number + 1}",
            name=f"宜农农资连锁门店（{number + 1}号店）",
            kind="store",
        )
        outlet = Outlet.objects.create(
            organization=coop,
            code=f"CS-{number + 1:02d}",
            name=store.name,
            kind=Outlet.Kind.CHAIN_STORE,
            region=county.town,
            location=store,
        )
        PesticideLicence.objects.create(
            outlet=outlet,
            number=f"农药经许（浙）330327{number + 1:05d}",
            valid_from=dt.date(2020, 1, 1),
            valid_to=dt.date(2099, 12, 31),
        )
        clerk = make_user(f"store_clerk_{number + 1}", coop, roles.STORE_CLERK)
        stock = [(fertilizer, "10000000", "2.60"), (daily, "1000000", "7.00"), (pesticide, "1000000", "2.50")]
        if number == 0:
            stock.append((scarce, str(race_units), "7.00"))
            race_location_id = store.pk
        create_and_confirm(
            clerk,
            DocumentSpec(
                kind="purchase",
                organization=coop,
                location=store,
                partner_name="县农资公司",
                lines=[LineSpec(p, Decimal(q), unit_price=Decimal(c)) for p, q, c in stock],
            ),
        )
        for index in range(CLIENTS // STORES):
            clients.append(
                {
                    "token": ApiToken.issue(clerk, f"bench {index + 1}")[1],
                    "sale": _sale(config, outlet.pk, buyers[index % len(buyers)], daily.pk),
                }
            )
        if number == 0:
            race_tokens = [ApiToken.issue(clerk, f"race {index + 1}")[1] for index in range(CLIENTS)]
            race_sale = _sale(config, outlet.pk, buyers[0], scarce.pk)
            race_sale["lines"][1]["quantity"] = "1"  # one unit of the scarce product a sale
            paid = Decimal(race_sale["payments"][1]["amount"]) - PRICES["daily"]
            race_sale["payments"][1]["amount"] = str(paid)
    return {
        "clients": clients,
        "race": {
            "tokens": race_tokens,
            "sale": race_sale,
            "units": race_units,
            "location_id": race_location_id,
        },
    }


def _worker_verify(race_location_id: int) -> dict[str, Any]:
    from gongxiao.commerce.integrity import stock_balances_match_moves
    from gongxiao.commerce.models import Document, DocumentLine, StockBalance, StockMove
    from gongxiao.supply.models import PesticideSaleRecord

    problems = list(stock_balances_match_moves())
    sales = Document.objects.filter(kind="sale", channel="counter")
    if sales.exclude(status="confirmed").exists():
        problems.append(f"{sales.exclude(status='confirmed').count()} counter sales are not confirmed")
    count = sales.count()
    lines = DocumentLine.objects.filter(document__in=sales).count()
    moves = StockMove.objects.filter(document__in=sales).count()
    records = PesticideSaleRecord.objects.count()
    if not lines == moves == 3 * count or records != count:
        problems.append(f"{count} sales have {lines} lines, {moves} moves and {records} real-name records")
    race = StockBalance.objects.get(location_id=race_location_id, product__code="D002")
    return {
        "problems": problems,
        "sales": count,
        "negative_balances": StockBalance.objects.filter(quantity__lt=0).count(),
        "race_stock": str(race.quantity.normalize()),
    }


def _worker_profile(profile_to: str, checkouts: int) -> dict[str, Any]:
    """Checkouts through Django's test client, in this process: cProfile, and the SQL they run."""
    import cProfile
    import datetime as dt
    import io
    import pstats

    from django.db import connection
    from django.test import Client

    from gongxiao.commerce.models import Location, Package, Product
    from gongxiao.core.models import ApiToken, User
    from gongxiao.core.testing import make_ric
    from gongxiao.network.models import Outlet

    clerk = User.objects.get(username="store_clerk_2")
    key = ApiToken.issue(clerk, "profile")[1]
    outlet = Outlet.objects.get(location=Location.objects.get(code="ST-2"))
    config = {
        "fertilizer": Product.objects.get(code="F001").pk,
        "bag": Package.objects.get(product__code="F001").pk,
        "pesticide": Product.objects.get(code="P001").pk,
    }
    buyer = {
        "name": "王大山",
        "id_number": make_ric(dt.date(1981, 3, 1), 11),
        "address": "桥头镇上村 1 号",
        "phone": "",
        "crop": "水稻",
        "pest": "稻飞虱",
    }
    body = json.dumps(_sale(config, outlet.pk, buyer, Product.objects.get(code="D001").pk))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    def checkout() -> None:
        response = client.post("/api/supply/checkout", body, content_type="application/json")
        if response.status_code != 201:
            raise RuntimeError(response.content.decode()[:2000])

    def insert_one() -> None:
        response = client.post("/bench/insert-one/", body, content_type="application/json")
        if response.status_code != 201:
            raise RuntimeError(response.content.decode()[:2000])

    statements: list[tuple[str, float]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((sql, time.perf_counter() - started))

    for _ in range(5):
        checkout()
    with connection.execute_wrapper(record):
        checkout()
        one = list(statements)
        statements.clear()
        insert_one()
        baseline = list(statements)
        statements.clear()
        started = time.perf_counter()
        for _ in range(checkouts):
            checkout()
        plain_seconds = time.perf_counter() - started
    sql_seconds = sum(seconds for _sql, seconds in statements)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(checkouts):
        checkout()
    profiler.disable()
    profiler.dump_stats(profile_to)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(
        r"gongxiao|ninja|django/(db/models|core/handlers|contrib/auth)", 45
    )
    stats.sort_stats("tottime").print_stats(20)
    return {
        "checkouts": checkouts,
        "ms_per_checkout": 1000 * plain_seconds / checkouts,
        "sql_ms_per_checkout": 1000 * sql_seconds / checkouts,
        "queries_per_checkout": len(one),
        "baseline_queries": len(baseline),
        "statements": [f"{1000 * seconds:5.2f} ms  {sql[:140]}" for sql, seconds in one],
        "profile_path": profile_to,
        "profile": text.getvalue(),
    }


WORKER_TASKS: dict[str, Any] = {
    "setup": lambda args: _worker_setup(int(args[0])),
    "verify": lambda args: _worker_verify(int(args[0])),
    "profile": lambda args: _worker_profile(args[0], int(args[1])),
}

if __name__ == "__main__":
    # a worker (--worker TASK ARGS), or just this bench:
    # python benchmarks/bench_counter.py [--quick] [--profile] [--rounds N]
    raise SystemExit(bench_main("bench_counter", WORKER_TASKS))

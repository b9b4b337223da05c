"""Members import: 100,000 rows end to end (read, validate, write) against a bare-DB-API baseline.

For each backend (SQLite in a temporary file; PostgreSQL in a throw-away database, skipped when
nothing answers at 127.0.0.1:5432) the parent process starts worker subprocesses of this same file,
each with its own DATABASE_URL (Django settings are per process):

* ``setup``    -- migrate, build the county (the small county plus towns and 42 villages);
* ``baseline`` -- python-calamine reads the file, then ONE ``executemany`` inserts the same rows
                  (raw values: strings, Decimals, dates) into a bare table, committed;
* ``import``   -- ``run_import(MemberImporter(clerk, coop), path, dry_run=False)`` into the empty
                  members table (members and their history rows), the real engine end to end.

The file is generated once (deterministically, openpyxl write_only) into benchmarks/out/ by a
``generate`` worker. Baseline and import workers alternate for a few rounds (the machine may be
busy): the ratio is best import / best baseline, and the median of the per-round ratios is shown
too. Peak memory is each worker's ``ru_maxrss``: the whole process, Python and Django included.
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

TITLE = "members import"
ROWS = 100_000
QUICK_ROWS = 5_000
TARGET = 3.0
FILE_VERSION = 1  # bump when the generated file changes

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
OUT = HERE / "out"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
RESULT_MARK = "@@BENCH-RESULT "

HEADERS = ["成员类型", "姓名", "证件号码", "手机号", "行政村", "地址", "产业", "土地面积(亩)", "入社日期"]

# towns added to the small county (which already has 桥头镇 with 上村 and 下村); 中村 exists twice,
# so rows for it must write the town name first, as people do.
TOWNS = {
    "330327102000": (
        "溪口镇",
        ["东山村", "西岭村", "南坑村", "北塘村", "中村", "前洋村", "后岙村", "新塘村"],
    ),
    "330327103000": (
        "石门乡",
        ["中村", "石桥村", "枫树村", "竹林村", "岭头村", "下洋村", "水口村", "岩门村"],
    ),
    "330327104000": (
        "大坪镇",
        ["大坪村", "小坪村", "黄泥村", "双溪村", "洋山村", "桃源村", "梅岭村", "凤凰村"],
    ),
    "330327105000": (
        "龙井乡",
        ["龙井村", "茶园村", "高山村", "白岩村", "溪头村", "塘下村", "松林村", "金竹村"],
    ),
    "330327106000": (
        "白鹤镇",
        ["白鹤村", "河口村", "新联村", "光明村", "红旗村", "永丰村", "长乐村", "安福村"],
    ),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤"
GIVEN = "建国伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂兰华红玉梅志金海燕林春云飞鹏辉文斌波宇浩凯俊峰晨欣婷雪琳晓东丹宁"
INDUSTRIES = ["粮食", "茶叶", "畜禽", "水果", "蔬菜", "食用菌", "水产", "中药材", "竹木林业", "花卉苗木"]


# ---------------------------------------------------------------- the file


def data_file(rows: int) -> Path:
    """The members file with `rows` valid rows, generated once (deterministically) into out/."""
    path = OUT / f"members_{rows}_v{FILE_VERSION}.xlsx"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="gongxiao-bench-") as var_dir:
            # make_ric and make_uscc live in a module that needs Django set up: generate in a worker
            _worker("generate", f"sqlite:///{var_dir}/unused.sqlite3", var_dir, str(path), str(rows))
    return path


def _generate(path: Path, rows: int) -> dict[str, Any]:
    from openpyxl import Workbook

    from gongxiao.core.testing import make_ric, make_uscc

    started = time.perf_counter()
    rng = random.Random(20240601)
    villages = [name for _code, (_town, names) in TOWNS.items() for name in names if name != "中村"]
    villages += ["上村", "下村"]
    town_villages = [(town, name) for _code, (town, names) in TOWNS.items() for name in names]
    village_codes = [
        f"{code[:9]}{201 + index:03d}"
        for code, (_town, names) in TOWNS.items()
        for index in range(len(names))
    ]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("成员")
    sheet.append([h + "*" if i < 5 else h for i, h in enumerate(HEADERS)])
    first_day = dt.date(1981, 1, 1)
    for i in range(rows):
        pick = i % 20
        village = villages[i % len(villages)]
        if pick == 0:
            kind, id_number = "农民专业合作社", make_uscc(i, kind="93")
            name = f"青山县{village.removesuffix('村')}{rng.choice(INDUSTRIES)}专业合作社"
        elif pick == 1:
            kind, id_number = "企业", make_uscc(i, kind="91")
            name = f"青山县{rng.choice(GIVEN)}{rng.choice(GIVEN)}农业发展有限公司"
        else:
            kind = "家庭农场" if pick == 2 else "农户"
            # region 330327 is valid for birth years 1981 and later; (birthday, sequence) is unique per i
            id_number = make_ric(first_day + dt.timedelta(days=i % 8000), i // 8000)
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            if pick == 2:
                name += "家庭农场"
        if i % 25 == 3:
            phone = f"0570-{rng.randint(1000000, 9999999)}"
        else:
            phone = f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"
        if i % 20 == 5:
            village_text = "".join(town_villages[i % len(town_villages)])  # 溪口镇中村, 大坪镇小坪村, ...
        elif i % 20 == 7:
            village_text = village_codes[i % len(village_codes)]
        else:
            village_text = village
        address = f"{village}{rng.randint(1, 300)}号" if i % 2 else None
        industries = "、".join(rng.sample(INDUSTRIES, rng.choice((0, 1, 1, 2, 3)))) or None
        land = round(rng.uniform(0, 60), rng.choice((0, 1, 2)))
        joined = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 3000))
        sheet.append([kind, name, id_number, phone, village_text, address, industries, land, joined])
    partial = path.with_suffix(".partial")
    workbook.save(partial)
    partial.rename(path)
    return {"seconds": time.perf_counter() - started}


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
            f"  {backend}: migrated and built the county in {time.perf_counter() - started:.1f} s", flush=True
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
                f" write {full['write']:.2f}; peak RSS {full['peak_mb']:.0f} MB, {full['before_mb']:.0f} MB"
                " before it started)",
                flush=True,
            )
        if profile:
            out = OUT / f"members_import_{backend}.prof"
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
        "import peak MB": f"{max(i['peak_mb'] for i in imports):.0f}",
        "baseline peak MB": f"{max(b['peak_mb'] for b in baselines):.0f}",
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

            name = f"gongxiao_bench_{os.getpid()}"
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
    from gongxiao.core.models import Region
    from gongxiao.core.testing import small_county

    county = small_county()
    regions = Region.objects
    for code, (town_name, villages) in TOWNS.items():
        parent = regions.get(pk=county.county_region.pk)
        town = regions.add_child(parent, {"code": code, "name": town_name, "level": Region.Level.TOWN})
        for index, village in enumerate(villages):
            fields = {"code": f"{code[:9]}{201 + index:03d}", "name": village, "level": Region.Level.VILLAGE}
            regions.add_child(regions.get(pk=town.pk), fields)
    return {"villages": Region.objects.filter(level=Region.Level.VILLAGE).count()}


def _worker_baseline(path: str, rows: int) -> dict[str, Any]:
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    connection.ensure_connection()
    raw = connection.connection  # the DB-API connection (sqlite3 / psycopg), with Django's pragmas
    vendor = connection.vendor
    with _closing(raw.cursor()) as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_members")
        key = "bigserial" if vendor == "postgresql" else "integer"
        cursor.execute(
            f"CREATE TABLE bench_members (id {key} PRIMARY KEY, kind varchar(20), name varchar(100),"
            " id_number varchar(18), phone varchar(20), village varchar(60), address varchar(200),"
            " industries varchar(200), land_area_mu numeric(12, 2), joined_on date)"
        )
    placeholder = "%s" if vendor == "postgresql" else "?"
    sql = (
        "INSERT INTO bench_members (kind, name, id_number, phone, village, address, industries, land_area_mu,"
        f" joined_on) VALUES ({', '.join([placeholder] * 9)})"
    )
    before = _peak_mb()
    started = time.perf_counter()
    data = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python(skip_empty_area=False)
    read = time.perf_counter() - started
    values = [
        (
            *row[:5],
            row[5] or "",
            row[6] or "",
            Decimal(repr(row[7])) if isinstance(row[7], float) else row[7],
            row[8],
        )
        for row in data[1:]
    ]
    with transaction.atomic(), _closing(raw.cursor()) as cursor:
        cursor.executemany(sql, values)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_members")
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


def _empty_member_tables() -> None:
    from django.db import connection

    from gongxiao.members.models import Member

    tables = [Member._meta.db_table, Member.history.model._meta.db_table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            cursor.execute("VACUUM ANALYZE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
            cursor.execute("VACUUM")


def _worker_import(path: str, rows: int, profile_to: str = "") -> dict[str, Any]:
    from django.db import connection

    from gongxiao.core import excel
    from gongxiao.core.excel import run_import
    from gongxiao.core.models import Organization, User
    from gongxiao.members.importers import MemberImporter
    from gongxiao.members.models import Member

    _empty_member_tables()
    user = User.objects.get(username="clerk_a")
    organization = Organization.objects.get(code="QS-A")
    connection.ensure_connection()
    # phases, for the report: reading the file, checking the rows, writing (from create() to commit)
    marks: dict[str, float] = {}
    importer = MemberImporter(user, organization)
    read_rows, create = excel.read_rows, importer.create

    def timed_read(file: Any) -> Any:
        rows = read_rows(file)
        marks["read"] = time.perf_counter()
        return rows

    def timed_create(rows: Any) -> None:
        marks["create"] = time.perf_counter()
        create(rows)

    excel.read_rows = timed_read  # run_import looks read_rows up in its module at each call
    importer.create = timed_create  # type: ignore[method-assign]
    before = _peak_mb()
    profiler = None
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    result = run_import(importer, path, dry_run=False)
    ended = time.perf_counter()
    seconds = ended - started
    if profiler is not None:
        profiler.disable()
    peak = _peak_mb()
    if not result.written or result.created != rows:
        raise RuntimeError(f"import failed: created {result.created} of {rows}; {result.error_lines()[:10]}")
    members, history = Member.objects.count(), Member.history.count()
    with connection.cursor() as cursor:  # each member has its "+" history row, with the same values
        cursor.execute(
            "SELECT count(*) FROM members_member m JOIN members_historicalmember h ON h.id = m.id"
            " AND h.id_number = m.id_number AND h.name = m.name AND h.village_id = m.village_id"
            " AND h.land_area_mu = m.land_area_mu AND h.history_type = '+' AND h.history_user_id = %s",
            [user.pk],
        )
        matching = cursor.fetchone()[0]
    if not members == history == matching == rows:
        raise RuntimeError(
            f"import wrote {members} members, {history} history rows ({matching} matching), expected {rows}"
        )
    report: dict[str, Any] = {
        "seconds": seconds,
        "read": marks["read"] - started,
        "check": marks["create"] - marks["read"],
        "write": ended - marks["create"],
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


def _worker_main(argv: list[str]) -> None:
    task, args = argv[0], argv[1:]
    _setup_django()
    if task == "generate":
        result = _generate(Path(args[0]), int(args[1]))
    elif task == "setup":
        result = _worker_setup()
    elif task == "baseline":
        result = _worker_baseline(args[0], int(args[1]))
    elif task == "import":
        result = _worker_import(args[0], int(args[1]), *args[2:])
    else:
        raise SystemExit(f"unknown worker task {task!r}")
    print(RESULT_MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker_main(sys.argv[2:])
    else:
        # run just this bench: python benchmarks/bench_members_import.py [--quick] ...
        sys.path.insert(0, str(HERE))
        from run import main

        raise SystemExit(main(sys.argv[1:], only=["members_import"]))

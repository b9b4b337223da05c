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
    var_dir,
    worker_for,
)

TITLE = "members import"
ROWS = 100_000
QUICK_ROWS = 5_000
TARGET = 3.0
FILE_VERSION = 1  # bump when the generated file changes

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
        with var_dir() as directory:
            # make_ric and make_uscc live in a module that needs Django set up: generate in a worker
            _worker("generate", f"sqlite:///{directory}/unused.sqlite3", directory, str(path), str(rows))
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


_worker = worker_for(__file__)


def _measure(
    backend: str, url: str, directory: str, path: Path, rows: int, rounds: int, profile: bool
) -> dict[str, Any]:
    setup_worker(_worker, backend, url, directory, "built the county")
    baselines, imports = import_rounds(_worker, backend, url, directory, path, rows, rounds)
    if profile:
        profile_import(_worker, backend, url, directory, path, rows, "members_import")
    extra = {
        "import peak MB": f"{max(i['peak_mb'] for i in imports):.0f}",
        "baseline peak MB": f"{max(b['peak_mb'] for b in baselines):.0f}",
    }
    return import_summary(TITLE, backend, rows, baselines, imports, TARGET, ROWS, extra)


def run(options: Any) -> list[dict[str, Any]]:
    """Called by benchmarks/run.py; returns one summary row per backend."""
    rows, rounds = import_size(options, ROWS, QUICK_ROWS)
    path = data_file(rows)

    def measure(backend: str, url: str, directory: str) -> list[dict[str, Any]]:
        return [_measure(backend, url, directory, path, rows, rounds, options.profile)]

    return on_each_backend(options, TITLE, "gongxiao_bench", measure)


# ---------------------------------------------------------------- the workers


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
    columns = {
        "kind": "varchar(20)",
        "name": "varchar(100)",
        "id_number": "varchar(18)",
        "phone": "varchar(20)",
        "village": "varchar(60)",
        "address": "varchar(200)",
        "industries": "varchar(200)",
        "land_area_mu": "numeric(12, 2)",
        "joined_on": "date",
    }

    def values(row: list[Any]) -> tuple[Any, ...]:
        land = Decimal(repr(row[7])) if isinstance(row[7], float) else row[7]
        return (*row[:5], row[5] or "", row[6] or "", land, row[8])

    return baseline_insert(path, rows, "bench_members", columns, values)


def _worker_import(path: str, rows: int, profile_to: str = "") -> dict[str, Any]:
    from django.db import connection

    from gongxiao.core.models import Organization, User
    from gongxiao.members.importers import MemberImporter
    from gongxiao.members.models import Member

    empty_tables(Member._meta.db_table, Member.history.model._meta.db_table, cascade=True)
    user = User.objects.get(username="clerk_a")
    organization = Organization.objects.get(code="QS-A")
    result, report = timed_import(MemberImporter(user, organization), path, profile_to)
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
    return report


WORKER_TASKS: dict[str, Any] = {
    "generate": lambda args: _generate(Path(args[0]), int(args[1])),
    "setup": lambda args: _worker_setup(),
    "baseline": lambda args: _worker_baseline(args[0], int(args[1])),
    "import": lambda args: _worker_import(args[0], int(args[1]), *args[2:]),
}

if __name__ == "__main__":
    # a worker (--worker TASK ARGS), or just this bench: python benchmarks/bench_members_import.py [--quick] ...
    raise SystemExit(bench_main("members_import", WORKER_TASKS))

"""What the bench modules share: the throw-away databases, the worker subprocesses, Django in a
worker, timing and the summary's bookkeeping.

Not a bench: `run.py` runs the modules named ``bench_*.py`` only. A bench module imports this as
``_common`` (benchmarks/ is on ``sys.path`` both when run.py imports a bench and when a bench file
runs as a script, parent or worker).

How a bench runs: the parent (run.py's process) makes a database per backend with
`on_each_backend` / `throwaway_postgres`, then starts workers, ``python bench_x.py --worker TASK
ARGS``, with `run_worker`: each worker is its own process because Django's settings, the database
above all, are per process. A worker sets Django up, does its task and prints its result as one
JSON line after `RESULT_MARK` (`worker_main`); `run_worker` shows the rest of its output only when
it fails (bench_planner passes it on).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
OUT = HERE / "out"  # generated files and profiles; git ignores it
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
RESULT_MARK = "@@BENCH-RESULT "
POSTGRES_SKIPPED = "skipped: nothing answers at 127.0.0.1:5432"

Worker = Callable[..., dict[str, Any]]  # a bench's `_worker(task, url, var_dir, *args)`


# ---------------------------------------------------------------- databases


def postgres_answers() -> bool:
    """Whether anything listens at 127.0.0.1:5432 (a bench skips PostgreSQL when nothing does)."""
    try:
        socket.create_connection(("127.0.0.1", 5432), 2).close()
    except OSError:
        return False
    return True


def postgres_skipped(title: str) -> dict[str, Any]:
    """The summary row of a bench that found no PostgreSQL."""
    return {"bench": title, "backend": "postgres", "note": POSTGRES_SKIPPED}


@contextlib.contextmanager
def throwaway_postgres(prefix: str) -> Iterator[str]:
    """A new PostgreSQL database named `prefix`_<pid>, its URL; dropped at the end, even with
    connections still open (WITH (FORCE): a crashed worker or gunicorn may have left some)."""
    import psycopg

    name = f"{prefix}_{os.getpid()}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def var_dir() -> Iterator[str]:
    """A temporary GONGXIAO_VAR_DIR for the workers (secret key, static files, SQLite database)."""
    with tempfile.TemporaryDirectory(prefix="gongxiao-bench-") as path:
        yield path


def sqlite_url(directory: str) -> str:
    return f"sqlite:///{directory}/bench.sqlite3"


def on_each_backend(
    options: Any, title: str, prefix: str, measure: Callable[[str, str, str], list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """``measure(backend, url, var_dir)`` on SQLite (a file in a temporary folder) and on PostgreSQL
    (a throw-away database named after `prefix`), as ``--backend`` allows; their summary rows."""
    results: list[dict[str, Any]] = []
    backends = options.backend or ["sqlite", "postgres"]
    if "sqlite" in backends:
        with var_dir() as directory:
            results.extend(measure("sqlite", sqlite_url(directory), directory))
    if "postgres" in backends:
        if not postgres_answers():
            results.append(postgres_skipped(title))
        else:
            with throwaway_postgres(prefix) as url, var_dir() as directory:
                results.extend(measure("postgres", url, directory))
    return results


# ---------------------------------------------------------------- workers


def worker_env(url: str, directory: str, **overrides: str) -> dict[str, str]:
    """This process's environment (DB_CONN_MAX_AGE and the like pass through, as in production) with
    the database, the settings module and a throw-away var folder; `overrides` last."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="gongxiao.settings",
        GONGXIAO_VAR_DIR=directory,
        SECRET_KEY="bench-not-secret",
        DEBUG="false",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(overrides)
    return env


def worker_for(script: str, **env_overrides: str) -> Worker:
    """A bench's ``_worker(task, url, var_dir, *args)``: `run_worker` of `script` with `worker_env`."""

    def worker(task: str, url: str, directory: str, *args: str) -> dict[str, Any]:
        return run_worker(script, task, worker_env(url, directory, **env_overrides), *args)

    return worker


def setup_worker(
    worker: Worker, backend: str, url: str, directory: str, done: str, *args: str
) -> dict[str, Any]:
    """The ``setup`` worker (migrate, build the data), timed: "<backend>: migrated and <done> in N s"."""
    started = time.perf_counter()
    result = worker("setup", url, directory, *args)
    print(f"  {backend}: migrated and {done} in {time.perf_counter() - started:.1f} s", flush=True)
    return result


def run_worker(script: str, task: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run ``python script --worker task args`` and return its result line; a worker that printed
    none raises, with the tail of its output."""
    command = [sys.executable, str(Path(script).resolve()), "--worker", task, *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600, cwd=PROJECT)
    result = read_result(done.stdout)
    if result is None:
        raise RuntimeError(
            f"worker {task} failed (exit {done.returncode})\n--- stdout\n{done.stdout[-3000:]}\n"
            f"--- stderr\n{done.stderr[-5000:]}"
        )
    return result


def print_result(result: Any) -> None:
    print(RESULT_MARK + json.dumps(result), flush=True)


def read_result(stdout: str) -> Any:
    """The JSON printed after `RESULT_MARK`, or None."""
    for line in stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
    return None


def setup_django(**env_defaults: str) -> None:
    """Django for this process: the project and benchmarks/ (for bench_site) on sys.path;
    `env_defaults` for the variables the environment does not set."""
    for name, value in env_defaults.items():
        os.environ.setdefault(name, value)
    sys.path[:0] = [str(HERE), str(PROJECT)]
    import django

    django.setup()


def worker_main(argv: list[str], tasks: dict[str, Callable[[list[str]], Any]]) -> None:
    """A worker: ``argv`` is TASK ARGS; runs tasks[TASK](ARGS) with Django set up, prints its result."""
    task, args = argv[0], argv[1:]
    setup_django()
    if task not in tasks:
        raise SystemExit(f"unknown worker task {task!r}")
    print_result(tasks[task](args))


def bench_main(only: str, tasks: dict[str, Callable[[list[str]], Any]]) -> int:
    """A bench file run as a script: a worker with ``--worker``, else this bench alone through run.py
    (with run.py's options: --quick, --rounds, --backend, --profile ...)."""
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2:], tasks)
        return 0
    sys.path.insert(0, str(HERE))
    from run import main

    return main(sys.argv[1:], only=[only])


# ---------------------------------------------------------------- timing


def peak_mb() -> float:
    """This process's peak resident memory so far, Python and Django included."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def profile_text(profiler: Any, path: str, tottime: int = 25, cumulative: int = 30) -> str:
    """Write the cProfile `profiler` to `path`; its top functions by own time, then by cumulative time."""
    import io
    import pstats

    profiler.dump_stats(path)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text).strip_dirs()
    stats.sort_stats("tottime").print_stats(tottime)
    stats.sort_stats("cumulative").print_stats(cumulative)
    return text.getvalue()


def median_ratio(numerators: list[float], denominators: list[float]) -> float:
    """The median of the per-round ratios: far from the best/best ratio when the machine was busy."""
    return statistics.median(n / d for n, d in zip(numerators, denominators, strict=True))


def verdict(passed: bool, applies: bool = True, not_applicable: str = "") -> str:
    """A target's column: PASS or FAIL, or n/a (why) where the run is not the size the target is for."""
    if not applies:
        return f"n/a ({not_applicable})"
    return "PASS" if passed else "FAIL"


# ---------------------------------------------------------------- the import benches


def import_size(options: Any, rows: int, quick_rows: int) -> tuple[int, int]:
    """Rows and rounds: --rows and --rounds, else `rows` and 3 rounds (--quick: `quick_rows`, 1)."""
    return options.rows or (quick_rows if options.quick else rows), options.rounds or (
        1 if options.quick else 3
    )


def empty_tables(*tables: str, cascade: bool = False) -> None:
    """Empty `tables` (ids from 1 again on PostgreSQL) and vacuum, so that every round imports into
    empty tables with fresh statistics. In a worker."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY{' CASCADE' if cascade else ''}")
            cursor.execute("VACUUM ANALYZE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
            cursor.execute("VACUUM")


def baseline_insert(
    path: str, rows: int, table: str, columns: dict[str, str], values: Callable[[list[Any]], tuple[Any, ...]]
) -> dict[str, Any]:
    """The floor of an import: python-calamine reads the file and ONE ``executemany`` inserts
    ``values(row)`` of each row into a bare `table` (`columns`: name -> type; no index but its key),
    committed. Run in a worker; raises unless it stored `rows` rows."""
    from django.db import connection, transaction
    from python_calamine import CalamineWorkbook

    connection.ensure_connection()
    raw = connection.connection  # the DB-API connection (sqlite3 / psycopg), with Django's pragmas
    vendor = connection.vendor
    with contextlib.closing(raw.cursor()) as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        key = "bigserial" if vendor == "postgresql" else "integer"
        types = ", ".join(f"{name} {kind}" for name, kind in columns.items())
        cursor.execute(f"CREATE TABLE {table} (id {key} PRIMARY KEY, {types})")
    placeholder = "%s" if vendor == "postgresql" else "?"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([placeholder] * len(columns))})"
    before = peak_mb()
    started = time.perf_counter()
    data = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python(skip_empty_area=False)
    read = time.perf_counter() - started
    converted = [values(row) for row in data[1:]]
    with transaction.atomic(), contextlib.closing(raw.cursor()) as cursor:
        cursor.executemany(sql, converted)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        count = cursor.fetchone()[0]
    if count != rows:
        raise RuntimeError(f"baseline wrote {count} rows, expected {rows}")
    return {"seconds": seconds, "read": read, "peak_mb": peak_mb(), "before_mb": before}


def timed_import(importer: Any, path: str, profile_to: str = "") -> tuple[Any, dict[str, Any]]:
    """``run_import(importer, path, dry_run=False)``, timed, in a worker: its result, and seconds,
    the phases (read: the workbook; check: up to ``importer.create``; write: from create() to the
    commit), peak and before MB, and with `profile_to` the profile's text."""
    from django.db import connection

    from gongxiao.core import excel

    connection.ensure_connection()
    marks: dict[str, float] = {}
    read_rows, create = excel.read_rows, importer.create

    def timed_read(file: Any) -> Any:
        rows = read_rows(file)
        marks["read"] = time.perf_counter()
        return rows

    def timed_create(rows: Any) -> None:
        marks["create"] = time.perf_counter()
        create(rows)

    excel.read_rows = timed_read  # run_import looks read_rows up in its module at each call
    importer.create = timed_create
    before = peak_mb()
    profiler = None
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    result = excel.run_import(importer, path, dry_run=False)
    ended = time.perf_counter()
    if profiler is not None:
        profiler.disable()
    report: dict[str, Any] = {
        "seconds": ended - started,
        "read": marks.get("read", ended) - started,
        "check": marks.get("create", ended) - marks.get("read", ended),
        "write": ended - marks.get("create", ended),
        "peak_mb": peak_mb(),
        "before_mb": before,
    }
    if profiler is not None:
        report["profile"] = profile_text(profiler, profile_to)
    return result, report


def import_rounds(
    worker: Worker,
    backend: str,
    url: str,
    directory: str,
    path: Path,
    rows: int,
    rounds: int,
    write_detail: Callable[[dict[str, Any]], str] = lambda report: "",
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Baseline and import workers, alternating for `rounds` (the machine is shared and the timings
    wander), a line printed for each round; their reports. `write_detail` adds to the write phase's."""
    baselines: list[dict[str, Any]] = []
    imports: list[dict[str, Any]] = []
    for round_number in range(1, rounds + 1):
        baselines.append(worker("baseline", url, directory, str(path), str(rows)))
        imports.append(worker("import", url, directory, str(path), str(rows)))
        base, full = baselines[-1], imports[-1]
        print(
            f"  {backend} round {round_number}/{rounds}: baseline {base['seconds']:.2f} s"
            f" (read {base['read']:.2f}, insert {base['seconds'] - base['read']:.2f}),"
            f" import {full['seconds']:.2f} s (read {full['read']:.2f}, check {full['check']:.2f},"
            f" write {full['write']:.2f}{write_detail(full)}; peak RSS {full['peak_mb']:.0f} MB,"
            f" {full['before_mb']:.0f} MB before it started)",
            flush=True,
        )
    return baselines, imports


def profile_import(
    worker: Worker, backend: str, url: str, directory: str, path: Path, rows: int, name: str
) -> None:
    """One more import under cProfile, written to out/<name>_<backend>.prof; prints its top functions."""
    out = OUT / f"{name}_{backend}.prof"
    OUT.mkdir(parents=True, exist_ok=True)
    report = worker("import", url, directory, str(path), str(rows), str(out))
    print(f"  {backend}: profile of one import ({report['seconds']:.1f} s under cProfile) in {out}")
    print(report["profile"])


def import_summary(
    title: str,
    backend: str,
    rows: int,
    baselines: list[dict[str, Any]],
    imports: list[dict[str, Any]],
    target: float,
    target_rows: int,
    extra: dict[str, str],
) -> dict[str, Any]:
    """An import bench's summary row: the best of the rounds, ratio best import / best baseline and
    the median per round; `extra` columns before rows/s; the verdict (n/a under `target_rows`)."""
    best_base = min(baselines, key=lambda b: b["seconds"])
    best = min(imports, key=lambda i: i["seconds"])
    ratio = best["seconds"] / best_base["seconds"]
    paired = median_ratio([i["seconds"] for i in imports], [b["seconds"] for b in baselines])
    return {
        "bench": title,
        "backend": backend,
        "rows": f"{rows:,}",
        "baseline s": f"{best_base['seconds']:.2f}",
        "import s": f"{best['seconds']:.2f}",
        "read/check/write s": f"{best['read']:.2f}/{best['check']:.2f}/{best['write']:.2f}",
        "ratio": f"{ratio:.2f}x",
        "ratio per round": f"{paired:.2f}x",
        **extra,
        "rows/s": f"{rows / best['seconds']:,.0f}",
        f"target ≤ {target:.1f}x": verdict(
            ratio <= target, rows >= target_rows, f"the target is for {target_rows:,} rows"
        ),
    }

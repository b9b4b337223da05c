"""Run every benchmarks/bench_*.py module and print a summary table (`make bench`).

Each bench module defines ``TITLE`` and ``run(options) -> list[dict]``: one dict per summary row,
column name -> printed value. Benches are informational: the exit status is 0 whatever the
numbers say, and 1 only when a bench crashed.

    python benchmarks/run.py                 # full size (100,000 rows), 3 rounds
    python benchmarks/run.py --quick         # 5,000 rows, 1 round: a quick check
    python benchmarks/run.py --backend sqlite --rows 20000 --rounds 2 --profile
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def discover(only: list[str] | None = None) -> list[str]:
    names = sorted(path.stem for path in HERE.glob("bench_*.py"))
    if only:
        names = [name for name in names if any(word in name for word in only)]
    return names


def table(rows: list[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    cells = [[str(row.get(column, "")) for column in columns] for row in rows]
    widths = [max([len(column)] + [len(line[i]) for line in cells]) for i, column in enumerate(columns)]
    lines = ["  ".join(column.ljust(widths[i]) for i, column in enumerate(columns))]
    lines.append("  ".join("-" * width for width in widths))
    for line in cells:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)))
    return "\n".join(lines)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small file, one round")
    parser.add_argument("--rows", type=int, default=0, help="rows in the generated file (default 100,000)")
    parser.add_argument("--rounds", type=int, default=0, help="baseline/import rounds (default 3, quick 1)")
    parser.add_argument(
        "--backend", action="append", choices=["sqlite", "postgres"], help="only this backend (repeatable)"
    )
    parser.add_argument("--profile", action="store_true", help="also run one import under cProfile")
    parser.add_argument("only", nargs="*", help="run only the bench modules whose name contains one of these")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, only: list[str] | None = None) -> int:
    options = parse(sys.argv[1:] if argv is None else argv)
    sys.path.insert(0, str(HERE))
    results: list[dict[str, Any]] = []
    crashed = False
    for name in discover(options.only or only):
        module = importlib.import_module(name)
        title = getattr(module, "TITLE", name)
        print(f"== {title} ({name}.py)", flush=True)
        started = time.perf_counter()
        try:
            results.extend(module.run(options))
        except Exception:
            crashed = True
            traceback.print_exc()
            results.append({"bench": title, "note": "CRASHED, see above"})
        print(f"   {time.perf_counter() - started:.0f} s", flush=True)
    print()
    print(table(results) if results else "no benches found")
    for row in results:  # the verdicts, one a line: informational, they do not set the exit status
        for key, value in row.items():
            if key.startswith("target"):
                where = " ".join(str(row[k]) for k in ("bench", "backend") if k in row)
                print(f"{where}: {key}: {value} ({row.get('ratio', '?')})")
    return 1 if crashed else 0


if __name__ == "__main__":
    raise SystemExit(main())

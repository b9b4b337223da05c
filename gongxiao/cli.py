"""The `gongxiao` console command: Django's management commands under the project's settings.

`gongxiao demo`, `gongxiao serve`, `gongxiao import members FILE.xlsx --dry-run`, ... are the
management commands of the apps; any other Django command works as well.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongxiao.settings")
    from django.core.management import execute_from_command_line

    argv = [sys.argv[0], *sys.argv[1:]]
    if len(argv) > 1:
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()

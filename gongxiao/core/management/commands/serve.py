import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Gongxiao with gunicorn (http://127.0.0.1:8000 by default); --dev uses Django's runserver."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))
        parser.add_argument("--dev", action="store_true", help="Django's autoreloading development server")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        call_command("migrate", interactive=False, verbosity=0)
        if options["dev"]:
            call_command("runserver", options["bind"])
            return
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Gongxiao: http://{options['bind']}/  ({settings.DATABASES['default']['ENGINE']})")
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        os.execv(
            gunicorn,
            [
                gunicorn,
                "gongxiao.wsgi:application",
                "--bind",
                options["bind"],
                "--workers",
                str(options["workers"]),
                "--threads",
                str(options["threads"]),
                "--access-logfile",
                "-",
                "--timeout",
                "120",
            ],
        )

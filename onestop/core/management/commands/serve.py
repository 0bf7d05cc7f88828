import signal
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform with a background task worker; Ctrl-C stops both."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, addrport: str, **options: Any) -> None:
        worker = subprocess.Popen([sys.executable, "manage.py", "run_huey", "--quiet"])
        self.stdout.write(f"后台任务进程已启动（pid {worker.pid}）。按 Ctrl-C 停止服务。")
        self.stdout.write(f"文书上印的核验地址：{settings.PUBLIC_URL.rstrip('/')}/v/")
        try:
            call_command("runserver", addrport, use_reloader=False)
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            # Ctrl-C reaches the worker too (same process group); wait for it undisturbed.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            if worker.poll() is None:
                worker.send_signal(signal.SIGINT)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
            self.stdout.write("服务已停止。")

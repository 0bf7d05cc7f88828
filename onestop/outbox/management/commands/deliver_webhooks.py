import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from onestop.outbox.webhooks import deliver_due


class Command(BaseCommand):
    help = "Deliver due webhook events (once, or in a loop with --loop)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep delivering until stopped")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between rounds")

    def handle(self, *args: Any, loop: bool = False, interval: float = 1.0, **options: Any) -> None:
        while True:
            result = deliver_due()
            if result.sent or result.failed or result.dead:
                self.stdout.write(
                    f"已送达 {result.sent}，失败待重试 {result.failed}，停止 {result.dead}，"
                    f"排队等待 {result.waiting}"
                )
            if not loop:
                return
            time.sleep(interval)

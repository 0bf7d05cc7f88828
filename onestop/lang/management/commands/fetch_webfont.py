from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onestop.lang import webfont


class Command(BaseCommand):
    help = "Download the pinned Mongolian web font (once) so pages in mn-Mong are served with it."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = webfont.fetch()
        except webfont.FontUnavailable as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"蒙古文字体已就绪：{path}")

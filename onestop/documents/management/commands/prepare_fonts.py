from django.core.management.base import BaseCommand, CommandError

from onestop.documents import fonts


class Command(BaseCommand):
    help = "Build the cached working font for PDFs now, so the first document is not slow."

    def handle(self, *args, **options):
        try:
            path = fonts.working_font()
        except fonts.FontMissing as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"PDF 字体已就绪：{path}")

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import import_string

from onestop.core.storage import copy_all


class Command(BaseCommand):
    help = (
        "Copy the stored files of another backend (by default the folder ONESTOP_MEDIA_DIR) "
        "into the current one as they are, e.g. into the database after moving to PostgreSQL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from-backend",
            default="django.core.files.storage.FileSystemStorage",
            help="the storage class that holds the files now",
        )
        parser.add_argument("--from-dir", help="its folder, for a folder (default MEDIA_ROOT)")

    def handle(self, *args: Any, **options: Any) -> None:
        source_options = {"location": options["from_dir"]} if options["from_dir"] else {}
        source = import_string(options["from_backend"])(**source_options)

        def progress(done: int, total: int) -> None:
            if done % 100 == 0 or done == total:
                self.stdout.write(f"已处理 {done}/{total} 个文件")

        report = copy_all(source, progress)
        self.stdout.write(
            f"完成：共 {report.total} 个文件，已复制 {report.copied} 个，"
            f"目标中已有 {report.present} 个（未改动）。"
        )

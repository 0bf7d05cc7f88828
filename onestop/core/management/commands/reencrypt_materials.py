from typing import Any

from django.core.management.base import BaseCommand

from onestop.core.storage import reencrypt_all


class Command(BaseCommand):
    help = (
        "Encrypt stored materials still in clear, and rewrite in chunks under the current key "
        "those under an old key or sealed whole by an earlier release."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        def progress(done: int, total: int) -> None:
            if done % 100 == 0 or done == total:
                self.stdout.write(f"已处理 {done}/{total} 个文件")

        report = reencrypt_all(progress)
        self.stdout.write(
            f"完成：共 {report.total} 个文件，新加密 {report.sealed} 个，"
            f"换用当前密钥 {report.rekeyed} 个，改为分块格式 {report.upgraded} 个，"
            f"已是当前密钥 {report.current} 个。"
        )
        for name in report.refused:
            self.stderr.write(f"未通过完整性校验，未处理：{name}")

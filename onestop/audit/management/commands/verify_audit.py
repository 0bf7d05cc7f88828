from typing import Any

from django.core.management.base import BaseCommand, CommandError

from onestop.audit.chains import chain_label
from onestop.audit.services import publish_checkpoints
from onestop.audit.verify import audit_verify


class Command(BaseCommand):
    help = (
        "Verify every audit chain (links, keyed hashes, seq, heads, published checkpoints), "
        "name each kind of tampering found, then publish checkpoints of the intact chains."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        for f in report.findings:
            where = f"审计链「{chain_label(f.chain)}」" if f.chain else "检查点文件"
            self.stderr.write(f"{where}：{f.kind}——{f.message}")
        published = publish_checkpoints(report.intact)
        if not report.ok:
            kinds = "、".join(sorted({str(f.kind) for f in report.findings}))
            raise CommandError(
                f"审计链发现 {len(report.findings)} 处问题（{kinds}），详见上文；"
                f"共核对 {report.chains} 条链、{report.checked} 条事件。"
            )
        self.stdout.write(
            f"审计链完好：共 {report.chains} 条链、{report.checked} 条事件，"
            f"已核对 {report.checkpoints} 个已发布的检查点，新发布 {published} 个。"
        )
        if report.archived:
            self.stdout.write(
                f"已分离归档的月份：{'、'.join(report.archived)}；"
                "这些月份的事件不在表中，各链从归档前发布的检查点起核对。"
            )

from django.core.management.base import BaseCommand, CommandError

from onestop.audit.services import audit_verify


class Command(BaseCommand):
    help = "Verify the audit hash chain and report the first broken link."

    def handle(self, *args, **options):
        report = audit_verify()
        if not report.ok:
            raise CommandError(
                f"审计链在第 {report.broken_seq} 条事件处断开：{report.reason}"
                f"（此前 {report.checked} 条完好）"
            )
        self.stdout.write(f"审计链完好：共 {report.checked} 条事件。")
